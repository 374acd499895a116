// The counter's first question is "your phone number?": the phone search comes first.
import { Alert, Anchor, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconPhone, IconPlus } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, ok, type Schemas } from "../../api/client";
import { PagedResults } from "../../components/PagedResults";
import { SearchBox } from "../../components/SearchBox";
import { SortableHeader } from "../../components/SortableHeader";
import { useListParams } from "../../components/useListParams";
import { useFormat } from "../../hooks";

const PER_PAGE = 20;

export function clientName(c: Pick<Schemas["Client"], "firstName" | "lastName">): string {
  return `${c.firstName} ${c.lastName}`;
}

export function ClientsPage() {
  const { t } = useTranslation();
  const list = useListParams();
  const phone = list.get("phone") ?? "";
  const q = list.get("q") ?? "";
  const sort = list.get("sort");
  const [typed, setTyped] = useState(phone);
  const query = useQuery({
    queryKey: ["clients", "list", { page: list.page, phone, q, sort }],
    queryFn: () =>
      ok(
        api.GET("/api/clients", {
          params: {
            query: {
              page: list.page,
              perPage: PER_PAGE,
              ...(phone ? { phone } : {}),
              ...(q && !phone ? { q } : {}),
              ...(sort ? { sort } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const findPhone = (e: FormEvent) => {
    e.preventDefault();
    list.set("phone", typed.trim());
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("clients.title")}</Title>
        <Button component={Link} to="/clients/new" variant="default" leftSection={<IconPlus size={16} aria-hidden />}>
          {t("clients.new")}
        </Button>
      </Group>
      <Paper withBorder p="md">
        <form onSubmit={findPhone} role="search">
          <Group align="flex-end">
            <TextInput
              label={t("clients.phoneSearch")}
              description={t("clients.phoneSearchHint")}
              type="tel"
              size="md"
              autoFocus
              value={typed}
              onChange={(e) => {
                setTyped(e.currentTarget.value);
                if (!e.currentTarget.value) list.set("phone", null);
              }}
              leftSection={<IconPhone size={18} aria-hidden />}
              w={360}
            />
            <Button type="submit" size="md">
              {t("clients.find")}
            </Button>
          </Group>
        </form>
      </Paper>
      {phone && query.data?.total === 0 && (
        <Alert color="yellow">
          <Group justify="space-between">
            <Text>{t("clients.noneWithPhone", { phone })}</Text>
            <Button component={Link} to={`/clients/new?phone=${encodeURIComponent(phone)}`}>
              {t("clients.createWithPhone")}
            </Button>
          </Group>
        </Alert>
      )}
      {!phone && (
        <SearchBox
          label={t("clients.otherSearch")}
          placeholder={t("clients.searchPlaceholder")}
          value={q}
          onSearch={(text) => list.set("q", text)}
        />
      )}
      <PagedResults query={query} list={list} perPage={PER_PAGE}>
        {(clients) => <ClientTable clients={clients} sort={sort} onSort={(s) => list.set("sort", s)} />}
      </PagedResults>
    </Stack>
  );
}

function ClientTable({
  clients,
  sort,
  onSort,
}: {
  clients: Schemas["Client"][];
  sort: string | null;
  onSort: (sort: string) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <SortableHeader field="lastName" sort={sort} onSort={onSort}>
              {t("clients.lastName")}, {t("clients.firstName")}
            </SortableHeader>
            <Table.Th>{t("clients.phone")}</Table.Th>
            <Table.Th>{t("clients.email")}</Table.Th>
            <Table.Th>{t("clients.cin")}</Table.Th>
            <SortableHeader field="registeredAt" sort={sort} onSort={onSort}>
              {t("clients.registeredAt")}
            </SortableHeader>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {clients.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={5}>{t("common.noResults")}</Table.Td>
            </Table.Tr>
          )}
          {clients.map((c) => (
            <Table.Tr key={c._id}>
              <Table.Td>
                <Anchor component={Link} to={`/clients/${c._id}`}>
                  {c.lastName}, {c.firstName}
                </Anchor>
              </Table.Td>
              <Table.Td ff="monospace">{c.phone}</Table.Td>
              <Table.Td>{c.email ?? "—"}</Table.Td>
              <Table.Td>{c.CIN ?? "—"}</Table.Td>
              <Table.Td>{format.date(c.registeredAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
