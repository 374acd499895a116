// Changing a booking before the car leaves: its dates and notes. The server checks the
// car is still free and prices the new dates.
import { Stack, Textarea, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { DeskModal } from "../../components/DeskModal";
import { FormActions } from "../../components/FormActions";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useFormat, useNotify } from "../../hooks";
import { useReservationChanged } from "./cache";
import { fromLocalInput, toLocalInput } from "./lifecycle";

type Reservation = Schemas["Reservation"];

export function EditBookingModal({ reservation: r, onClose }: { reservation: Reservation; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const notify = useNotify();
  const changed = useReservationChanged();
  const form = useForm({
    initialValues: {
      startDate: toLocalInput(new Date(r.startDate)),
      endDate: toLocalInput(new Date(r.endDate)),
      notes: r.notes ?? "",
    },
  });
  const submit = useServerSubmit(form, async (values) => {
    const body: Schemas["ReservationUpdate"] = {};
    if (form.isDirty("startDate")) body.startDate = fromLocalInput(values.startDate) ?? "";
    if (form.isDirty("endDate")) body.endDate = fromLocalInput(values.endDate) ?? "";
    if (form.isDirty("notes")) body.notes = values.notes.trim() || null;
    if (Object.keys(body).length > 0) {
      const fresh = await ok(api.PUT("/api/reservations/{id}", { params: { path: { id: r._id } }, body }));
      await changed(fresh);
      notify.success(t("editBooking.done", { total: format.money(fresh.estimatedTotalCost) }));
    }
    onClose();
  });
  return (
    <DeskModal opened onClose={onClose} title={t("editBooking.title", { number: r.reservationNumber })}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <TextInput type="datetime-local" label={t("booking.start")} required {...form.getInputProps("startDate")} />
          <TextInput type="datetime-local" label={t("booking.end")} required {...form.getInputProps("endDate")} />
          <Textarea label={t("reservation.notes")} autosize minRows={2} {...form.getInputProps("notes")} />
          <FormActions onCancel={onClose} submitLabel={t("common.save")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}
