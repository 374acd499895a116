// What can still happen to a rental after its last move: damage found at return to deal
// with, a cancellation or no-show fee an admin may waive, and the invoices issued (an
// admin may cancel one with a credit note).
import { Alert, Anchor, Card, Group, Table, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { can } from "../../auth/permissions";
import { useFormat, useNotify } from "../../hooks";
import { useReservationChanged } from "./cache";
import { ReasonButton } from "./ReasonModal";

type Reservation = Schemas["Reservation"];

/** New damage at return, until someone says how it was dealt with. */
export function ReviewNotice({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const changed = useReservationChanged();
  if (!r.reviewRequired) return null;
  const resolve = async (resolution: string) => {
    const fresh = await ok(
      api.POST("/api/reservations/{id}/review", { params: { path: { id: r._id } }, body: { resolution } }),
    );
    await changed(fresh);
    notify.success(t("followUp.reviewDone"));
  };
  return (
    <Alert color="orange" role="status" className="no-print">
      <Group justify="space-between">
        <Text>{t("followUp.reviewNeeded")}</Text>
        <ReasonButton
          label={t("followUp.resolve")}
          fieldLabel={t("followUp.resolution")}
          field="resolution"
          onSubmit={resolve}
        />
      </Group>
    </Alert>
  );
}

/** The cancellation or no-show fee, and its waiver (admins). */
export function FeeNotice({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const format = useFormat();
  const notify = useNotify();
  const changed = useReservationChanged();
  const fee = r.fee;
  if (!fee) return null;
  const waive = async (reason: string) => {
    const fresh = await ok(
      api.POST("/api/reservations/{id}/fee/waiver", { params: { path: { id: r._id } }, body: { reason } }),
    );
    await changed(fresh);
    notify.success(t("followUp.waived"));
  };
  return (
    <Alert color="gray" role="status">
      <Group justify="space-between">
        <Text>
          {t(`followUp.fee.${fee.kind}`, { amount: format.money(fee.amount) })}
          {fee.waiver ? ` — ${t("followUp.waivedBecause", { reason: fee.waiver.reason })}` : ""}
        </Text>
        {!fee.waiver && can(user?.role, "fee.waive") && (
          <ReasonButton label={t("followUp.waive")} fieldLabel={t("followUp.reason")} onSubmit={waive} />
        )}
      </Group>
    </Alert>
  );
}

/** The invoices and credit notes issued, each a PDF; the one in force may be cancelled (admins). */
export function InvoicesCard({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const format = useFormat();
  const notify = useNotify();
  const queries = useQueryClient();
  const list = useQuery({
    queryKey: ["reservations", "invoices", r._id],
    queryFn: () => ok(api.GET("/api/reservations/{id}/invoices", { params: { path: { id: r._id } } })),
  });
  const items = list.data?.items ?? [];
  if (items.length === 0) return null;
  const inForce = items.some((i) => i.kind === "invoice" && !i.credited);
  const credit = async (reason: string) => {
    await ok(api.POST("/api/reservations/{id}/credit-notes", { params: { path: { id: r._id } }, body: { reason } }));
    await queries.invalidateQueries({ queryKey: ["reservations", "invoices", r._id] });
    notify.success(t("followUp.credited"));
  };
  return (
    <Card withBorder className="no-print">
      <Group justify="space-between">
        <Title order={3} size="h5">
          {t("followUp.invoices")}
        </Title>
        {inForce && can(user?.role, "invoice.credit") && (
          <ReasonButton label={t("followUp.creditNote")} fieldLabel={t("followUp.reason")} onSubmit={credit} />
        )}
      </Group>
      <Table>
        <Table.Tbody>
          {items.map((doc) => (
            <Table.Tr key={doc._id}>
              <Table.Td>
                <Anchor href={`/api/reservations/${r._id}/invoices/${doc._id}`} target="_blank" ff="monospace">
                  {doc.number}
                </Anchor>
              </Table.Td>
              <Table.Td>
                {t(`followUp.kinds.${doc.kind}`)}
                {doc.credited ? ` (${t("followUp.cancelled")})` : ""}
              </Table.Td>
              <Table.Td>{format.dateTime(doc.issuedAt)}</Table.Td>
              <Table.Td ta="right">{format.money(doc.total.gross)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
