import { Anchor, Button, Group, Image, Select, Stack, Table, Title } from "@mantine/core";
import { IconPhotoOff, IconPlus } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, ok, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { can } from "../../auth/permissions";
import { BranchFilter } from "../../components/BranchFilter";
import { PagedResults } from "../../components/PagedResults";
import { SearchBox } from "../../components/SearchBox";
import { SortableHeader } from "../../components/SortableHeader";
import { StatusBadge } from "../../components/StatusBadge";
import { useListParams } from "../../components/useListParams";
import { useFormat } from "../../hooks";

const PER_PAGE = 20;
const CAR_STATUSES = ["available", "rented", "maintenance", "out_of_service"] as const;
type CarStatus = (typeof CAR_STATUSES)[number];

export function carName(car: Pick<Schemas["Car"], "make" | "model" | "licensePlate">): string {
  return `${car.make} ${car.model} (${car.licensePlate})`;
}

export function CarsPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const format = useFormat();
  const list = useListParams();
  const q = list.get("q") ?? "";
  const status = list.get("status") as CarStatus | null;
  const sort = list.get("sort");
  const branch = list.get("branch");
  const query = useQuery({
    queryKey: ["cars", "list", { page: list.page, q, status, sort, branch }],
    queryFn: () =>
      ok(
        api.GET("/api/cars", {
          params: {
            query: {
              page: list.page,
              perPage: PER_PAGE,
              ...(q ? { q } : {}),
              ...(status ? { status } : {}),
              ...(sort ? { sort } : {}),
              ...(branch ? { branch } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const onSort = (value: string) => list.set("sort", value);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("cars.title")}</Title>
        {can(user?.role, "car.write") && (
          <Button component={Link} to="/cars/new" leftSection={<IconPlus size={16} aria-hidden />}>
            {t("cars.new")}
          </Button>
        )}
      </Group>
      <Group align="flex-end">
        <SearchBox
          label={t("cars.searchLabel")}
          placeholder={t("cars.searchPlaceholder")}
          value={q}
          onSearch={(text) => list.set("q", text)}
        />
        <Select
          label={t("cars.statusFilter")}
          placeholder={t("common.all")}
          clearable
          value={status}
          onChange={(value) => list.set("status", value)}
          data={CAR_STATUSES.map((s) => ({ value: s, label: t(`status.car.${s}`) }))}
          w={200}
        />
        <BranchFilter value={branch} onChange={(value) => list.set("branch", value)} />
      </Group>
      <PagedResults query={query} list={list} perPage={PER_PAGE}>
        {(cars) => (
          <Table.ScrollContainer minWidth={900}>
            <Table striped highlightOnHover verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("cars.photo")}</Table.Th>
                  <SortableHeader field="make" sort={sort} onSort={onSort}>
                    {t("cars.make")} / {t("cars.model")}
                  </SortableHeader>
                  <SortableHeader field="year" sort={sort} onSort={onSort}>
                    {t("cars.year")}
                  </SortableHeader>
                  <Table.Th>{t("cars.licensePlate")}</Table.Th>
                  <Table.Th>{t("cars.status")}</Table.Th>
                  <SortableHeader field="dailyRate" sort={sort} onSort={onSort}>
                    {t("cars.dailyRate")}
                  </SortableHeader>
                  <SortableHeader field="addedAt" sort={sort} onSort={onSort}>
                    {t("cars.addedAt")}
                  </SortableHeader>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {cars.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={7}>{t("common.noResults")}</Table.Td>
                  </Table.Tr>
                )}
                {cars.map((car) => (
                  <Table.Tr key={car._id}>
                    <Table.Td>
                      <Thumbnail car={car} />
                    </Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={`/cars/${car._id}`}>
                        {car.make} {car.model}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{car.year}</Table.Td>
                    <Table.Td ff="monospace">{car.licensePlate}</Table.Td>
                    <Table.Td>
                      <StatusBadge kind="car" status={car.status} />
                    </Table.Td>
                    <Table.Td>{format.money(car.dailyRate)}</Table.Td>
                    <Table.Td>{format.date(car.addedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </PagedResults>
    </Stack>
  );
}

function Thumbnail({ car }: { car: Schemas["Car"] }) {
  const { t } = useTranslation();
  if (!car.imageUrl) return <IconPhotoOff size={24} aria-label={t("cars.noPhoto")} color="gray" />;
  return (
    <Image
      src={`${car.imageUrl}?size=thumb`}
      alt={t("cars.photoOf", { name: carName(car) })}
      w={64}
      h={40}
      fit="cover"
      radius="xs"
    />
  );
}
