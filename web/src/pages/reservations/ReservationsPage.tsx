// Every rental, filtered as the contract allows (status, period, client, car, overdue) and
// as the server also can: by branch, damage awaiting review, money still owed.
import { Anchor, Button, Group, Select, Stack, Switch, Table, Title } from "@mantine/core";
import { IconPlus, IconX } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import dayjs from "dayjs";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, ok, type Schemas } from "../../api/client";
import { BranchFilter } from "../../components/BranchFilter";
import { PagedResults } from "../../components/PagedResults";
import { PeriodFilter } from "../../components/PeriodFilter";
import { SearchBox } from "../../components/SearchBox";
import { SortableHeader } from "../../components/SortableHeader";
import { StatusBadge } from "../../components/StatusBadge";
import { useListParams, type ListParams } from "../../components/useListParams";
import { useFormat } from "../../hooks";
import { RESERVATION_STATUSES, type ReservationStatus } from "./lifecycle";

const PER_PAGE = 20;

/** The window of the days picked, as the API's instants: from the first day's start to the day after the last. */
export function periodQuery(from: string | null, to: string | null): { from?: string; to?: string } {
  return {
    ...(from ? { from: dayjs(from).startOf("day").toISOString() } : {}),
    ...(to ? { to: dayjs(to).add(1, "day").startOf("day").toISOString() } : {}),
  };
}

export function ReservationsPage() {
  const { t } = useTranslation();
  const list = useListParams();
  const filters = {
    q: list.get("q") ?? "",
    status: list.get("status") as ReservationStatus | null,
    from: list.get("from"),
    to: list.get("to"),
    clientId: list.get("clientId"),
    carId: list.get("carId"),
    overdue: list.get("overdue") === "true",
    branch: list.get("branch"),
    reviewRequired: list.get("reviewRequired") === "true",
    balanceDue: list.get("balanceDue") === "true",
    sort: list.get("sort") ?? "-startDate",
  };
  const query = useQuery({
    queryKey: ["reservations", "list", list.page, filters],
    queryFn: () =>
      ok(
        api.GET("/api/reservations", {
          params: {
            query: {
              page: list.page,
              perPage: PER_PAGE,
              sort: filters.sort,
              ...(filters.q ? { q: filters.q } : {}),
              ...(filters.status ? { status: filters.status } : {}),
              ...(filters.clientId ? { clientId: filters.clientId } : {}),
              ...(filters.carId ? { carId: filters.carId } : {}),
              ...(filters.overdue ? { overdue: true } : {}),
              ...(filters.branch ? { branch: filters.branch } : {}),
              ...(filters.reviewRequired ? { reviewRequired: true } : {}),
              ...(filters.balanceDue ? { balanceDue: true } : {}),
              ...periodQuery(filters.from, filters.to),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("reservations.title")}</Title>
        <Button component={Link} to="/reservations/new" leftSection={<IconPlus size={16} aria-hidden />}>
          {t("reservations.new")}
        </Button>
      </Group>
      <Group align="flex-end">
        <SearchBox
          label={t("reservations.searchLabel")}
          placeholder="LC-2026-000042"
          value={filters.q}
          onSearch={(text) => list.set("q", text)}
        />
        <Select
          label={t("reservations.status")}
          placeholder={t("common.all")}
          clearable
          value={filters.status}
          onChange={(value) => list.set("status", value)}
          data={RESERVATION_STATUSES.map((s) => ({ value: s, label: t(`status.reservation.${s}`) }))}
          w={220}
        />
        <PeriodFilter list={list} />
        <BranchFilter value={filters.branch} onChange={(b) => list.set("branch", b)} />
        <Stack gap={6}>
          {(["overdue", "reviewRequired", "balanceDue"] as const).map((flag) => (
            <Switch
              key={flag}
              label={t(`reservations.only.${flag}`)}
              checked={filters[flag]}
              onChange={(e) => list.set(flag, e.currentTarget.checked ? "true" : null)}
            />
          ))}
        </Stack>
      </Group>
      <ActiveFilters list={list} clientId={filters.clientId} carId={filters.carId} />
      <PagedResults query={query} list={list} perPage={PER_PAGE}>
        {(items) => <ReservationTable items={items} sort={filters.sort} onSort={(s) => list.set("sort", s)} />}
      </PagedResults>
    </Stack>
  );
}

/** The client or car the list is narrowed to (from their pages), each removable. */
function ActiveFilters({ list, clientId, carId }: { list: ListParams; clientId: string | null; carId: string | null }) {
  const { t } = useTranslation();
  if (!clientId && !carId) return null;
  return (
    <Group gap="xs">
      {clientId && (
        <Button
          variant="default"
          size="xs"
          rightSection={<IconX size={14} aria-hidden />}
          onClick={() => list.set("clientId", null)}
        >
          {t("reservations.oneClient")}
        </Button>
      )}
      {carId && (
        <Button
          variant="default"
          size="xs"
          rightSection={<IconX size={14} aria-hidden />}
          onClick={() => list.set("carId", null)}
        >
          {t("reservations.oneCar")}
        </Button>
      )}
    </Group>
  );
}

function ReservationTable({
  items,
  sort,
  onSort,
}: {
  items: Schemas["Reservation"][];
  sort: string;
  onSort: (sort: string) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("reservations.number")}</Table.Th>
            <Table.Th>{t("reservations.client")}</Table.Th>
            <Table.Th>{t("reservations.car")}</Table.Th>
            <SortableHeader field="startDate" sort={sort} onSort={onSort}>
              {t("reservations.start")}
            </SortableHeader>
            <Table.Th>{t("reservations.end")}</Table.Th>
            <Table.Th>{t("reservations.status")}</Table.Th>
            <Table.Th>{t("reservations.total")}</Table.Th>
            <Table.Th>{t("reservations.remaining")}</Table.Th>
            <SortableHeader field="reservationDate" sort={sort} onSort={onSort}>
              {t("reservations.bookedOn")}
            </SortableHeader>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={9}>{t("common.noResults")}</Table.Td>
            </Table.Tr>
          )}
          {items.map((r) => (
            <Table.Tr key={r._id}>
              <Table.Td ff="monospace">
                <Anchor component={Link} to={`/reservations/${r._id}`}>
                  {r.reservationNumber}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Anchor component={Link} to={`/clients/${r.client._id}`}>
                  {r.client.firstName} {r.client.lastName}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Anchor component={Link} to={`/cars/${r.car._id}`}>
                  {r.car.make} {r.car.model} ({r.car.licensePlate})
                </Anchor>
              </Table.Td>
              <Table.Td>{format.dateTime(r.startDate)}</Table.Td>
              <Table.Td>{format.dateTime(r.endDate)}</Table.Td>
              <Table.Td>
                <StatusBadge kind="reservation" status={r.status} />
              </Table.Td>
              <Table.Td>{format.money(r.finalTotalCost ?? r.estimatedTotalCost)}</Table.Td>
              <Table.Td>{format.money(r.paymentDetails.remaining)}</Table.Td>
              <Table.Td>{format.date(r.reservationDate)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
