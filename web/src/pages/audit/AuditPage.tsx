// The audit trail (admins): who did what, when, from where, with each entry's fields
// before and after side by side.
import {
  Anchor,
  Button,
  Code,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, ok, type Schemas } from "../../api/client";
import { PagedResults } from "../../components/PagedResults";
import { PeriodFilter } from "../../components/PeriodFilter";
import { useListParams } from "../../components/useListParams";
import { useFormat } from "../../hooks";
import { periodQuery } from "../reservations/ReservationsPage";
import { diffEntries } from "./diff";

type Entry = Schemas["Entry"];

const PER_PAGE = 25;
const ENTITY_TYPES = ["Car", "Client", "User", "Reservation", "Branch", "Extra"];
const ACTIONS = [
  "LOGIN_SUCCESS",
  "LOGIN_ATTEMPT_FAILURE",
  "LOGOUT",
  "CHANGE_PASSWORD",
  "CREATE_MANAGER",
  "UPDATE_MANAGER",
  "DELETE_MANAGER",
  "CREATE_CAR",
  "UPDATE_CAR",
  "DELETE_CAR",
  "UPLOAD_CAR_IMAGE",
  "DELETE_CAR_IMAGE",
  "UPDATE_CAR_RATES",
  "CREATE_BLOCK",
  "UPDATE_BLOCK",
  "DELETE_BLOCK",
  "CREATE_CLIENT",
  "UPDATE_CLIENT",
  "DELETE_CLIENT",
  "CREATE_RESERVATION",
  "UPDATE_RESERVATION",
  "UPDATE_RESERVATION_STATUS",
  "ADD_PAYMENT",
  "RECORD_DEPOSIT",
  "WAIVE_FEE",
  "ISSUE_INVOICE",
  "ISSUE_CREDIT_NOTE",
  "UPLOAD_INSPECTION_PHOTO",
  "DELETE_INSPECTION_PHOTO",
  "RESOLVE_REVIEW",
  "DELETE_RESERVATION",
  "CREATE_BRANCH",
  "UPDATE_BRANCH",
  "DELETE_BRANCH",
  "CREATE_EXTRA",
  "UPDATE_EXTRA",
  "DELETE_EXTRA",
  "IMPORT_MONGO",
];

/** Where an entry's document is shown in the app, if it has a page. */
function entityLink(entry: Entry): string | null {
  if (!entry.entityId) return null;
  const pages: Record<string, string> = { Car: "cars", Client: "clients", Reservation: "reservations" };
  const page = entry.entityType ? pages[entry.entityType] : undefined;
  return page ? `/${page}/${entry.entityId}` : null;
}

export function AuditPage() {
  const { t } = useTranslation();
  const list = useListParams();
  const filters = {
    entityType: list.get("entityType"),
    action: list.get("action"),
    entityId: list.get("entityId") ?? "",
    from: list.get("from"),
    to: list.get("to"),
  };
  const query = useQuery({
    queryKey: ["audit", list.page, filters],
    queryFn: () =>
      ok(
        api.GET("/api/audit", {
          params: {
            query: {
              page: list.page,
              perPage: PER_PAGE,
              ...(filters.entityType ? { entityType: filters.entityType } : {}),
              ...(filters.action ? { action: filters.action } : {}),
              ...(filters.entityId ? { entityId: filters.entityId } : {}),
              ...periodQuery(filters.from, filters.to),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  return (
    <Stack>
      <Title order={2}>{t("audit.title")}</Title>
      <Group align="flex-end">
        <Select
          label={t("audit.entityType")}
          placeholder={t("common.all")}
          clearable
          value={filters.entityType}
          onChange={(v) => list.set("entityType", v)}
          data={ENTITY_TYPES.map((e) => ({ value: e, label: t(`audit.entities.${e}`) }))}
          w={180}
        />
        <Select
          label={t("audit.action")}
          placeholder={t("common.all")}
          clearable
          searchable
          value={filters.action}
          onChange={(v) => list.set("action", v)}
          data={ACTIONS}
          w={280}
        />
        <TextInput
          label={t("audit.entityId")}
          value={filters.entityId}
          onChange={(e) => list.set("entityId", e.currentTarget.value.trim() || null)}
          w={240}
          ff="monospace"
        />
        <PeriodFilter list={list} />
      </Group>
      <PagedResults query={query} list={list} perPage={PER_PAGE}>
        {(items) => <Entries items={items} />}
      </PagedResults>
    </Stack>
  );
}

function Entries({ items }: { items: Entry[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("audit.when")}</Table.Th>
            <Table.Th>{t("audit.who")}</Table.Th>
            <Table.Th>{t("audit.action")}</Table.Th>
            <Table.Th>{t("audit.what")}</Table.Th>
            <Table.Th>{t("audit.changedFields")}</Table.Th>
            <Table.Th>{t("audit.from")}</Table.Th>
            <Table.Th>
              <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={7}>{t("common.noResults")}</Table.Td>
            </Table.Tr>
          )}
          {items.map((entry) => {
            const details = (entry.details ?? {}) as { changedFields?: string[]; ipAddress?: string };
            const link = entityLink(entry);
            const expanded = open === entry._id;
            return (
              <Fragment key={entry._id}>
                <Table.Tr>
                  <Table.Td>{format.dateTime(entry.timestamp)}</Table.Td>
                  <Table.Td>{entry.userUsername ?? "—"}</Table.Td>
                  <Table.Td ff="monospace">{entry.action}</Table.Td>
                  <Table.Td>
                    {entry.entityType
                      ? t(`audit.entities.${entry.entityType}`, { defaultValue: entry.entityType })
                      : "—"}{" "}
                    {link && (
                      <Anchor component={Link} to={link} size="sm" ff="monospace">
                        {entry.entityId}
                      </Anchor>
                    )}
                  </Table.Td>
                  <Table.Td>{(details.changedFields ?? []).join(", ") || "—"}</Table.Td>
                  <Table.Td>{details.ipAddress ?? "—"}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      aria-expanded={expanded}
                      onClick={() => setOpen(expanded ? null : entry._id)}
                    >
                      {expanded ? t("audit.hide") : t("audit.show")}
                    </Button>
                  </Table.Td>
                </Table.Tr>
                {expanded && (
                  <Table.Tr>
                    <Table.Td colSpan={7}>
                      <Difference entry={entry} />
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Difference({ entry }: { entry: Entry }) {
  const { t } = useTranslation();
  const changes = diffEntries(entry.before, entry.after).filter(
    (c) => c.field !== "updatedAt" && c.field !== "lastModifiedAt",
  );
  if (changes.length === 0) return <Text c="dimmed">{t("audit.noDifference")}</Text>;
  return (
    <Table withTableBorder aria-label={t("audit.differenceOf", { action: entry.action })}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t("audit.field")}</Table.Th>
          <Table.Th>{t("audit.before")}</Table.Th>
          <Table.Th>{t("audit.after")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {changes.map((c) => (
          <Table.Tr key={c.field}>
            <Table.Td ff="monospace">{c.field}</Table.Td>
            <Table.Td className="audit-before">
              <Code block>{c.before}</Code>
            </Table.Td>
            <Table.Td className="audit-after">
              <Code block>{c.after}</Code>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
