// The buttons of the moves the contract allows from the reservation's status, and the
// payment, each asking only what its move needs.
import { Button, Group, NumberInput, Radio, Select, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { DeskModal } from "../../components/DeskModal";
import { api, ok, type Schemas } from "../../api/client";
import { confirmThen } from "../../components/confirm";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { FormActions } from "../../components/FormActions";
import { useFormat, useNotify } from "../../hooks";
import { useReservationChanged } from "./cache";
import { EditBookingModal } from "./EditBookingModal";
import { nextMoves } from "./lifecycle";
import { PickUpModal } from "./PickUpModal";
import { ReturnModal } from "./ReturnModal";

type Reservation = Schemas["Reservation"];
type StatusChange = Schemas["StatusChange"];

/** Sends a status change; the page and every list showing the reservation follow. */
export function useStatusChange(r: Reservation) {
  const changed = useReservationChanged();
  return async (body: StatusChange) => {
    const fresh = await ok(api.PUT("/api/reservations/{id}/status", { params: { path: { id: r._id } }, body }));
    await changed(fresh);
    return fresh;
  };
}

export function StatusActions({ reservation: r }: { reservation: Reservation }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const change = useStatusChange(r);
  const moves = nextMoves(r.status, r.startDate);
  const [modal, setModal] = useState<"pickup" | "return" | "cancel" | "payment" | "edit" | null>(null);
  const close = () => setModal(null);
  const simple = useMutation({
    mutationFn: (status: StatusChange["status"]) => change({ status }),
    onSuccess: (fresh) => notify.success(t("reservation.moved", { status: t(`status.reservation.${fresh.status}`) })),
    onError: (e) => notify.failure(e),
  });
  const cancellable = moves.includes("cancelled_by_client");
  return (
    <Group className="no-print">
      {moves.includes("confirmed") && (
        <Button loading={simple.isPending} onClick={() => simple.mutate("confirmed")}>
          {t("reservation.actions.confirm")}
        </Button>
      )}
      {moves.includes("active") && (
        <Button onClick={() => setModal("pickup")}>{t("reservation.actions.pickUp")}</Button>
      )}
      {moves.includes("completed") && (
        <Button onClick={() => setModal("return")}>{t("reservation.actions.return")}</Button>
      )}
      {(r.status === "pending_confirmation" || r.status === "confirmed") && (
        <Button variant="outline" onClick={() => setModal("edit")}>
          {t("reservation.actions.edit")}
        </Button>
      )}
      <Button variant="outline" onClick={() => setModal("payment")}>
        {t("reservation.actions.payment")}
      </Button>
      {moves.includes("no_show") && (
        <Button
          variant="outline"
          color="red"
          onClick={() =>
            confirmThen(t, t("reservation.confirmNoShow"), t("reservation.actions.noShow"), () =>
              simple.mutate("no_show"),
            )
          }
        >
          {t("reservation.actions.noShow")}
        </Button>
      )}
      {cancellable && (
        <Button variant="outline" color="red" onClick={() => setModal("cancel")}>
          {t("reservation.actions.cancel")}
        </Button>
      )}
      {modal === "pickup" && <PickUpModal reservation={r} onClose={close} />}
      {modal === "return" && <ReturnModal reservation={r} onClose={close} />}
      {modal === "cancel" && <CancelModal reservation={r} onClose={close} />}
      {modal === "payment" && <PaymentModal reservation={r} onClose={close} />}
      {modal === "edit" && <EditBookingModal reservation={r} onClose={close} />}
    </Group>
  );
}

function CancelModal({ reservation: r, onClose }: { reservation: Reservation; onClose: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const change = useStatusChange(r);
  const form = useForm({ initialValues: { status: "cancelled_by_client" as StatusChange["status"] } });
  const submit = useServerSubmit(form, async ({ status }) => {
    await change({ status });
    notify.success(t("reservation.moved", { status: t(`status.reservation.${status}`) }));
    onClose();
  });
  return (
    <DeskModal opened onClose={onClose} title={t("reservation.cancelTitle", { number: r.reservationNumber })}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <Radio.Group label={t("reservation.cancelledBy")} {...form.getInputProps("status")}>
            <Stack gap="xs" mt="xs">
              <Radio value="cancelled_by_client" label={t("status.reservation.cancelled_by_client")} />
              <Radio value="cancelled_by_agency" label={t("status.reservation.cancelled_by_agency")} />
            </Stack>
          </Radio.Group>
          <Text size="sm" c="dimmed">
            {t("reservation.cancelFeeNote")}
          </Text>
          <FormActions
            onCancel={onClose}
            submitLabel={t("reservation.actions.cancel")}
            submitting={form.submitting}
            color="red"
          />
        </Stack>
      </form>
    </DeskModal>
  );
}

const METHODS: Schemas["PaymentMethod"][] = ["cash", "card", "transfer", "cheque"];

function PaymentModal({ reservation: r, onClose }: { reservation: Reservation; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const notify = useNotify();
  const changed = useReservationChanged();
  const remaining = r.paymentDetails.remaining;
  const form = useForm({
    initialValues: { amount: (remaining > 0 ? remaining : "") as number | string, method: "cash", reason: "" },
    validate: { amount: (v) => (v === "" || Number(v) === 0 ? t("problems.required") : null) },
  });
  const refund = Number(form.values.amount) < 0;
  const submit = useServerSubmit(form, async ({ amount, method, reason }) => {
    const body: Schemas["PaymentRequest"] = { amount: Number(amount), method: method as Schemas["PaymentMethod"] };
    if (Number(amount) < 0) body.reason = reason.trim();
    const fresh = await ok(api.POST("/api/reservations/{id}/payments", { params: { path: { id: r._id } }, body }));
    await changed(fresh);
    notify.success(t("reservation.paymentRecorded", { remaining: format.money(fresh.paymentDetails.remaining) }));
    onClose();
  });
  const after = remaining - Number(form.values.amount || 0);
  return (
    <DeskModal opened onClose={onClose} title={t("reservation.paymentTitle", { number: r.reservationNumber })}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <Text>{t("reservation.remainingNow", { amount: format.money(remaining) })}</Text>
          <NumberInput
            label={t("reservation.amount")}
            description={t("reservation.refundHint")}
            decimalScale={2}
            decimalSeparator=","
            allowedDecimalSeparators={[".", ","]}
            required
            data-autofocus
            {...form.getInputProps("amount")}
          />
          {refund && <TextInput label={t("reservation.refundReason")} required {...form.getInputProps("reason")} />}
          <Select
            label={t("reservation.method")}
            data={METHODS.map((m) => ({ value: m, label: t(`paymentMethod.${m}`) }))}
            allowDeselect={false}
            {...form.getInputProps("method")}
          />
          <Text fw={600} data-testid="balance-after">
            {t("reservation.remainingAfter", { amount: format.money(after) })}
          </Text>
          <FormActions onCancel={onClose} submitLabel={t("reservation.actions.record")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}
