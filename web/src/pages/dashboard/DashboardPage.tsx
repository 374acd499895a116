// The home page: what the desk has to do today (pick-ups, returns, overdue rentals,
// bookings to confirm), the fleet by status, and how the month is going, each leading to
// the list behind it.
import { Anchor, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, ok, type Schemas } from "../../api/client";
import { QueryState } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import { useFormat } from "../../hooks";
import { BranchFilter } from "../../components/BranchFilter";
import { carName } from "../cars/CarsPage";
import { clientName } from "../clients/ClientsPage";
import { RevenueChart } from "./RevenueChart";

type Board = Schemas["Board"];

export function DashboardPage() {
  const { t } = useTranslation();
  const [branch, setBranch] = useState<string | null>(null);
  const board = useQuery({
    queryKey: ["dashboard", branch],
    queryFn: () => ok(api.GET("/api/dashboard", { params: { query: branch ? { branch } : {} } })),
    refetchInterval: 60_000,
  });
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={2}>{t("dashboard.title")}</Title>
        <BranchFilter value={branch} onChange={setBranch} />
      </Group>
      <QueryState query={board}>{(b) => <BoardView board={b} />}</QueryState>
    </Stack>
  );
}

/** A day's window as the reservations list takes it (`from`/`to` are days there). */
function dayLink(params: Record<string, string>, day: string): string {
  return `/reservations?${new URLSearchParams({ ...params, from: day, to: day }).toString()}`;
}

function BoardView({ board: b }: { board: Board }) {
  const { t } = useTranslation();
  const format = useFormat();
  const today = b.date;
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <Count
          label={t("dashboard.pickups")}
          count={b.pickups.count}
          to={dayLink({ sort: "startDate" }, today)}
          testId="count-pickups"
        />
        <Count
          label={t("dashboard.returns")}
          count={b.returns.count}
          to={dayLink({ status: "active" }, today)}
          testId="count-returns"
        />
        <Count
          label={t("dashboard.overdue")}
          count={b.overdue.count}
          to="/reservations?overdue=true"
          testId="count-overdue"
          alert
        />
        <Count
          label={t("dashboard.awaiting")}
          count={b.awaitingConfirmation.count}
          to="/reservations?status=pending_confirmation"
          testId="count-awaiting"
        />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <RentalList title={t("dashboard.pickupsToday")} list={b.pickups} empty={t("dashboard.noPickups")} />
        <RentalList title={t("dashboard.returnsToday")} list={b.returns} empty={t("dashboard.noReturns")} />
        {b.overdue.count > 0 && <RentalList title={t("dashboard.overdue")} list={b.overdue} empty="" />}
        {b.awaitingConfirmation.count > 0 && (
          <RentalList title={t("dashboard.awaiting")} list={b.awaitingConfirmation} empty="" />
        )}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder>
          <Title order={3} size="h5" mb="xs">
            {t("dashboard.fleet")}
          </Title>
          <Table>
            <Table.Tbody>
              {(
                [
                  ["available", b.carsByStatus.available],
                  ["rented", b.carsByStatus.rented],
                  ["maintenance", b.carsByStatus.maintenance],
                  ["out_of_service", b.carsByStatus.outOfService],
                ] as const
              ).map(([status, count]) => (
                <Table.Tr key={status}>
                  <Table.Td>
                    <Anchor component={Link} to={`/cars?status=${status}`}>
                      {t(`status.car.${status}`)}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ta="right" data-testid={`fleet-${status}`}>
                    {count}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder>
          <Title order={3} size="h5" mb="xs">
            {t("dashboard.month", { month: dayjs(`${b.month.month}-01`).format("MM/YYYY") })}
          </Title>
          <Group grow>
            <Stack gap={0}>
              <Text size="sm" c="dimmed">
                {t("dashboard.utilisation")}
              </Text>
              <Text fw={700} size="xl">
                {format.percent(b.month.utilisation)}
              </Text>
              <Text size="xs" c="dimmed">
                {t("dashboard.carDays", {
                  rented: format.number(b.month.rentedCarDays),
                  available: format.number(b.month.availableCarDays),
                })}
              </Text>
            </Stack>
            <Stack gap={0}>
              <Text size="sm" c="dimmed">
                {t("dashboard.revenue")}
              </Text>
              <Text fw={700} size="xl" data-testid="month-revenue">
                {format.money(b.month.revenue)}
              </Text>
            </Stack>
          </Group>
          <RevenueChart month={b.month.month} />
        </Card>
      </SimpleGrid>
    </Stack>
  );
}

function Count({
  label,
  count,
  to,
  testId,
  alert = false,
}: {
  label: string;
  count: number;
  to: string;
  testId: string;
  alert?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="2rem" c={alert && count > 0 ? "red.9" : undefined} data-testid={testId}>
        {count}
      </Text>
      <Anchor component={Link} to={to} size="sm">
        {t("dashboard.seeList", { what: label.toLowerCase() })}
      </Anchor>
    </Card>
  );
}

function RentalList({ title, list, empty }: { title: string; list: Schemas["BoardList"]; empty: string }) {
  const format = useFormat();
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        {title}
      </Title>
      {list.items.length === 0 ? (
        <Text c="dimmed">{empty}</Text>
      ) : (
        <Table>
          <Table.Tbody>
            {list.items.map((r) => (
              <Table.Tr key={r._id}>
                <Table.Td>{format.dateTime(r.at)}</Table.Td>
                <Table.Td>
                  <Anchor component={Link} to={`/reservations/${r._id}`} ff="monospace">
                    {r.reservationNumber}
                  </Anchor>
                </Table.Td>
                <Table.Td>{clientName(r.client)}</Table.Td>
                <Table.Td>{carName(r.car)}</Table.Td>
                <Table.Td>
                  <StatusBadge kind="reservation" status={r.status} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
