// The security deposit: what the booking asks for, where the money stands, the ledger,
// and the moves the agent can make (hold, keep part of it, give it back).
import { Button, Card, Group, NumberInput, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { DeskModal } from "../../components/DeskModal";
import { Facts } from "../../components/Facts";
import { FormActions } from "../../components/FormActions";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useFormat, useNotify } from "../../hooks";
import { useReservationChanged } from "./cache";

type Reservation = Schemas["Reservation"];
type Kind = Schemas["DepositKind"];

/** The moves that make sense now: hold the rest while out, capture or release what is held. */
export function depositMoves(r: Pick<Reservation, "status" | "deposit">): Kind[] {
  const d = r.deposit;
  const moves: Kind[] = [];
  if (r.status === "active" && d.held < d.required) moves.push("hold");
  if (d.outstanding > 0) moves.push("capture", "release");
  return moves;
}

export function DepositCard({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [kind, setKind] = useState<Kind | null>(null);
  const d = r.deposit;
  if (d.required === 0 && d.movements.length === 0) return null;
  return (
    <Card withBorder>
      <Group justify="space-between">
        <Title order={3} size="h5">
          {t("deposit.title")}
        </Title>
        <Group gap="xs" className="no-print">
          {depositMoves(r).map((k) => (
            <Button key={k} size="xs" variant="default" onClick={() => setKind(k)}>
              {t(`deposit.actions.${k}`)}
            </Button>
          ))}
        </Group>
      </Group>
      <Facts
        testId="deposit"
        rows={[
          [t("deposit.required"), format.money(d.required)],
          [t("deposit.held"), format.money(d.held)],
          [t("deposit.captured"), format.money(d.captured)],
          [t("deposit.released"), format.money(d.released)],
          [t("deposit.outstanding"), format.money(d.outstanding)],
        ]}
      />
      {d.movements.length > 0 && (
        <Table mt="xs">
          <Table.Tbody>
            {d.movements.map((m, n) => (
              <Table.Tr key={n}>
                <Table.Td>{format.dateTime(m.at)}</Table.Td>
                <Table.Td>
                  {t(`deposit.kinds.${m.kind}`)}
                  {m.reason ? ` — ${m.reason}` : ""}
                </Table.Td>
                <Table.Td ta="right">{format.money(m.amount)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {kind && <DepositModal reservation={r} kind={kind} onClose={() => setKind(null)} />}
    </Card>
  );
}

function DepositModal({
  reservation: r,
  kind,
  onClose,
}: {
  reservation: Reservation;
  kind: Kind;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const notify = useNotify();
  const changed = useReservationChanged();
  const most = kind === "hold" ? r.deposit.required - r.deposit.held : r.deposit.outstanding;
  const form = useForm({ initialValues: { amount: most as number | string, reason: "" } });
  const submit = useServerSubmit(form, async (values) => {
    const fresh = await ok(
      api.POST("/api/reservations/{id}/deposit", {
        params: { path: { id: r._id } },
        body: {
          kind,
          amount: values.amount === "" ? null : Number(values.amount),
          ...(values.reason.trim() ? { reason: values.reason.trim() } : {}),
        },
      }),
    );
    await changed(fresh);
    notify.success(t("deposit.recorded"));
    onClose();
  });
  return (
    <DeskModal opened onClose={onClose} title={t(`deposit.actions.${kind}`)}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <NumberInput
            label={t("reservation.amount")}
            description={t("deposit.atMost", { amount: format.money(most) })}
            decimalScale={2}
            decimalSeparator=","
            allowedDecimalSeparators={[".", ","]}
            {...form.getInputProps("amount")}
          />
          <TextInput
            label={t("deposit.reason")}
            required={kind === "capture"}
            description={kind === "capture" ? t("deposit.captureReason") : undefined}
            {...form.getInputProps("reason")}
          />
          <Text size="sm" c="dimmed">
            {t(`deposit.explain.${kind}`)}
          </Text>
          <FormActions onCancel={onClose} submitLabel={t("deposit.record")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}
