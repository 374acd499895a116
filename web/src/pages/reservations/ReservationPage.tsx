// Everything about one rental: who, which car, when, what it costs and what was paid,
// the inspections, and only the moves its status allows. It prints as the rental
// agreement and receipt.
import { Anchor, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { IconFileTypePdf, IconPrinter } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, ok, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { can } from "../../auth/permissions";
import { Facts } from "../../components/Facts";
import { QueryState } from "../../components/QueryState";
import { StatusBadge } from "../../components/StatusBadge";
import { useBranches, useFormat, useMeta } from "../../hooks";
import { carName } from "../cars/CarsPage";
import { clientName } from "../clients/ClientsPage";
import { DepositCard } from "./DepositCard";
import { FeeNotice, InvoicesCard, ReviewNotice } from "./FollowUps";
import { InspectionCard } from "./InspectionCard";
import { StatusActions } from "./StatusActions";

type Reservation = Schemas["Reservation"];

export function ReservationPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: ["reservations", "one", id],
    queryFn: () => ok(api.GET("/api/reservations/{id}", { params: { path: { id } } })),
  });
  return (
    <Stack>
      <Anchor component={Link} to="/reservations" size="sm" className="no-print">
        ← {t("reservation.backToList")}
      </Anchor>
      <QueryState query={query}>{(r) => <ReservationDetails reservation={r} />}</QueryState>
    </Stack>
  );
}

function ReservationDetails({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const invoiced = (r.status === "completed" || r.closedAt) && r.priceLines.length > 0;
  return (
    <Stack>
      <PrintHeader reservation={r} />
      <Group justify="space-between" align="flex-start">
        <Group>
          <Title order={2}>{t("reservation.title", { number: r.reservationNumber })}</Title>
          <StatusBadge kind="reservation" status={r.status} />
        </Group>
        <Group className="no-print">
          <Button variant="default" leftSection={<IconPrinter size={16} aria-hidden />} onClick={() => window.print()}>
            {t("reservation.print")}
          </Button>
          {can(user?.role, "audit.read") && (
            <Button component={Link} to={`/audit?entityId=${r._id}`} variant="default">
              {t("reservation.history")}
            </Button>
          )}
          {invoiced && (
            <Button
              component="a"
              href={`/api/reservations/${r._id}/invoice`}
              target="_blank"
              variant="default"
              leftSection={<IconFileTypePdf size={16} aria-hidden />}
            >
              {t("reservation.invoice")}
            </Button>
          )}
        </Group>
      </Group>
      <StatusActions reservation={r} />
      <ReviewNotice reservation={r} />
      <FeeNotice reservation={r} />
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        <Parties reservation={r} />
        <Period reservation={r} />
        <Balance reservation={r} />
      </SimpleGrid>
      <PriceLines reservation={r} />
      <Payments reservation={r} />
      <DepositCard reservation={r} />
      <InvoicesCard reservation={r} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {r.checkoutInspection && <InspectionCard reservation={r} kind="checkout" />}
        {r.checkinInspection && <InspectionCard reservation={r} kind="checkin" />}
      </SimpleGrid>
      {r.notes && (
        <Card withBorder>
          <Title order={3} size="h5">
            {t("reservation.notes")}
          </Title>
          <Text style={{ whiteSpace: "pre-wrap" }}>{r.notes}</Text>
        </Card>
      )}
      <Signatures />
    </Stack>
  );
}

/** The agency's name and the document's title, on paper only. */
function PrintHeader({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const meta = useMeta();
  const format = useFormat();
  const branch = useBranches().data?.items.find((b) => b._id === r.pickupBranchId);
  const closed = r.status === "completed";
  return (
    <div className="print-only">
      <Group justify="space-between" align="flex-start">
        <div>
          <Text fw={700} size="lg">
            {meta.data?.name ?? t("app.name")}
          </Text>
          {branch && (
            <Text size="sm">
              {branch.name} — {branch.address}
              {branch.phone ? ` — ${branch.phone}` : ""}
            </Text>
          )}
        </div>
        <div>
          <Text fw={700}>{closed ? t("reservation.receipt") : t("reservation.agreement")}</Text>
          <Text size="sm">{t("reservation.printedOn", { date: format.dateTime(new Date().toISOString()) })}</Text>
        </div>
      </Group>
    </div>
  );
}

function Parties({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  return (
    <Card withBorder>
      <Stack gap={4}>
        <Title order={3} size="h5">
          {t("reservation.client")}
        </Title>
        <Anchor component={Link} to={`/clients/${r.client._id}`}>
          {clientName(r.client)}
        </Anchor>
        <Text size="sm">{r.client.phone}</Text>
        {r.additionalDrivers.length > 0 && (
          <Text size="sm">
            {t("reservation.otherDrivers")} : {r.additionalDrivers.map(clientName).join(", ")}
          </Text>
        )}
        <Title order={3} size="h5" mt="sm">
          {t("reservation.car")}
        </Title>
        <Anchor component={Link} to={`/cars/${r.car._id}`}>
          {carName(r.car)}
        </Anchor>
      </Stack>
    </Card>
  );
}

function Period({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const format = useFormat();
  const branches = useBranches();
  const branchName = (id: string | null | undefined) => branches.data?.items.find((b) => b._id === id)?.name;
  const places: [string, string][] = [
    [t("booking.pickupBranch"), branchName(r.pickupBranchId)],
    [t("booking.returnBranch"), branchName(r.returnBranchId)],
  ].filter((row): row is [string, string] => Boolean(row[1]));
  const rows: [string, string][] = [
    [t("reservation.plannedStart"), format.dateTime(r.startDate)],
    [t("reservation.plannedEnd"), format.dateTime(r.endDate)],
    [t("reservation.pickedUp"), format.dateTime(r.actualPickupDate)],
    [t("reservation.returned"), format.dateTime(r.actualReturnDate)],
    [t("reservation.bookedOn"), format.dateTime(r.reservationDate)],
    ...places,
  ];
  return (
    <Card withBorder>
      <Title order={3} size="h5">
        {t("reservation.period")}
      </Title>
      <Facts rows={rows} />
    </Card>
  );
}

function Balance({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const format = useFormat();
  const pay = r.paymentDetails;
  const rows: [string, string][] = [
    [
      r.finalTotalCost == null ? t("reservation.estimatedTotal") : t("reservation.finalTotal"),
      format.money(r.totals.gross),
    ],
    [t("reservation.paid"), format.money(pay.amountPaid)],
    ...(pay.depositApplied > 0
      ? [[t("reservation.depositApplied"), format.money(pay.depositApplied)] as [string, string]]
      : []),
    [t("reservation.remaining"), format.money(pay.remaining)],
    ...(pay.refundOwed > 0 ? [[t("reservation.refundOwed"), format.money(pay.refundOwed)] as [string, string]] : []),
    ...(r.deposit.required > 0
      ? [
          [
            t("reservation.depositHeld"),
            `${format.money(r.deposit.outstanding)} / ${format.money(r.deposit.required)}`,
          ] as [string, string],
        ]
      : []),
  ];
  return (
    <Card withBorder>
      <Title order={3} size="h5">
        {t("reservation.money")}
      </Title>
      <Facts rows={rows} testId="balance" />
    </Card>
  );
}

function PriceLines({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        {t("reservation.costs")}
      </Title>
      <Table.ScrollContainer minWidth={600}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("reservation.line")}</Table.Th>
              <Table.Th ta="right">{t("reservation.quantity")}</Table.Th>
              <Table.Th ta="right">{t("reservation.unitPrice")}</Table.Th>
              <Table.Th ta="right">{t("reservation.net")}</Table.Th>
              <Table.Th ta="right">{t("reservation.tax", { rate: format.number(r.vatRate) })}</Table.Th>
              <Table.Th ta="right">{t("reservation.gross")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {r.priceLines.map((line, n) => (
              <Table.Tr key={n}>
                <Table.Td>{line.label}</Table.Td>
                <Table.Td ta="right">{line.quantity}</Table.Td>
                <Table.Td ta="right">{format.money(line.unitPrice)}</Table.Td>
                <Table.Td ta="right">{format.money(line.net)}</Table.Td>
                <Table.Td ta="right">{format.money(line.tax)}</Table.Td>
                <Table.Td ta="right">{format.money(line.gross)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Table.Tr fw={700}>
              <Table.Td colSpan={3}>{t("reservation.total")}</Table.Td>
              <Table.Td ta="right">{format.money(r.totals.net)}</Table.Td>
              <Table.Td ta="right">{format.money(r.totals.tax)}</Table.Td>
              <Table.Td ta="right" data-testid="total-gross">
                {format.money(r.totals.gross)}
              </Table.Td>
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

function Payments({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const format = useFormat();
  const payments = r.paymentDetails.payments;
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        {t("reservation.payments")}
      </Title>
      {payments.length === 0 ? (
        <Text c="dimmed">{t("reservation.noPayments")}</Text>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("reservation.paidOn")}</Table.Th>
              <Table.Th>{t("reservation.method")}</Table.Th>
              <Table.Th ta="right">{t("reservation.amount")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {payments.map((p, n) => (
              <Table.Tr key={n}>
                <Table.Td>{format.dateTime(p.transactionDate)}</Table.Td>
                <Table.Td>
                  {t(`paymentMethod.${p.method}`)}
                  {p.reason ? ` — ${p.reason}` : ""}
                </Table.Td>
                <Table.Td ta="right">{format.money(p.amount)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/** Room for both signatures on the printed agreement. */
function Signatures() {
  const { t } = useTranslation();
  return (
    <div className="print-only">
      <Group grow mt="xl">
        <Text>{t("reservation.clientSignature")}</Text>
        <Text>{t("reservation.agencySignature")}</Text>
      </Group>
    </div>
  );
}
