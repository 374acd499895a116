// Taking the car back: the time, the charges the agent adds (fuel, damage, late return…)
// and the return inspection. The final cost is the server's own reckoning of this very
// return, asked as the agent types, so what is shown is what will be billed.
import { ActionIcon, Button, Group, NumberInput, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDebouncedValue } from "@mantine/hooks";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { DeskModal } from "../../components/DeskModal";
import { api, ok, type Schemas } from "../../api/client";
import { errorMessage } from "../../api/problems";
import { FormActions } from "../../components/FormActions";
import { LinesTable } from "../../components/LinesTable";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useFormat, useNotify } from "../../hooks";
import { emptyInspection, inspectionBody, InspectionFields, type InspectionValues } from "./InspectionFields";
import { fromLocalInput, toLocalInput } from "./lifecycle";
import { useStatusChange } from "./StatusActions";

type Reservation = Schemas["Reservation"];
type ChargeValue = { label: string; amount: number | string };

interface ReturnValues {
  at: string;
  charges: ChargeValue[];
  inspection: InspectionValues;
}

/** The charges the agent adds most, offered as one click each. */
const QUICK_CHARGES = ["fuel", "damage", "late", "cleaning"] as const;

/** The return as the API takes it: charges without a label or amount are left out. */
export function returnBody(v: ReturnValues, atChanged: boolean) {
  return {
    ...(atChanged ? { at: fromLocalInput(v.at) } : {}),
    additionalCharges: v.charges
      .filter((c) => c.label.trim() !== "" && c.amount !== "" && Number(c.amount) !== 0)
      .map((c) => ({ label: c.label.trim(), amount: Number(c.amount) })),
    inspection: inspectionBody(v.inspection),
  };
}

export function ReturnModal({ reservation: r, onClose }: { reservation: Reservation; onClose: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const format = useFormat();
  const change = useStatusChange(r);
  const checkout = r.checkoutInspection;
  const form = useForm<ReturnValues>({
    initialValues: {
      at: toLocalInput(new Date()),
      charges: [],
      inspection: emptyInspection(checkout?.signedBy ?? "", checkout ? [...checkout.damage] : []),
    },
  });
  const body = returnBody(form.values, form.isDirty("at"));
  const submit = useServerSubmit(form, async (values) => {
    const fresh = await change({ status: "completed", ...returnBody(values, form.isDirty("at")) });
    notify.success(t("giveBack.done", { total: format.money(fresh.finalTotalCost) }));
    onClose();
  });
  const charges = form.values.charges;
  const setCharges = (next: ChargeValue[]) => form.setFieldValue("charges", next);
  return (
    <DeskModal opened onClose={onClose} size="xl" title={t("giveBack.title", { number: r.reservationNumber })}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <TextInput
            type="datetime-local"
            label={t("giveBack.at")}
            description={t("pickUp.atHint")}
            {...form.getInputProps("at")}
          />
          <Stack gap="xs">
            <Text fw={600}>{t("giveBack.charges")}</Text>
            {charges.map((_, n) => (
              <Group key={n} gap="xs" wrap="nowrap" align="flex-start">
                <TextInput
                  aria-label={t("giveBack.chargeLabel", { n: n + 1 })}
                  placeholder={t("giveBack.chargeLabelPlaceholder")}
                  style={{ flex: 2 }}
                  {...form.getInputProps(`charges.${n}.label`)}
                />
                <NumberInput
                  aria-label={t("giveBack.chargeAmount", { n: n + 1 })}
                  decimalScale={2}
                  decimalSeparator=","
                  allowedDecimalSeparators={[".", ","]}
                  style={{ flex: 1 }}
                  error={form.errors[`additionalCharges[${n}].amount`]}
                  {...form.getInputProps(`charges.${n}.amount`)}
                />
                <ActionIcon
                  variant="subtle"
                  color="red"
                  mt={6}
                  aria-label={t("giveBack.removeCharge", { n: n + 1 })}
                  onClick={() => setCharges(charges.filter((_, i) => i !== n))}
                >
                  <IconTrash size={16} aria-hidden />
                </ActionIcon>
              </Group>
            ))}
            <Group gap="xs">
              {QUICK_CHARGES.map((kind) => (
                <Button
                  key={kind}
                  size="xs"
                  variant="default"
                  leftSection={<IconPlus size={14} aria-hidden />}
                  onClick={() => setCharges([...charges, { label: t(`giveBack.quick.${kind}`), amount: "" }])}
                >
                  {t(`giveBack.quick.${kind}`)}
                </Button>
              ))}
              <Button
                size="xs"
                variant="default"
                leftSection={<IconPlus size={14} aria-hidden />}
                onClick={() => setCharges([...charges, { label: "", amount: "" }])}
              >
                {t("giveBack.otherCharge")}
              </Button>
            </Group>
          </Stack>
          <InspectionFields
            value={form.values.inspection}
            onChange={(v) => form.setFieldValue("inspection", v)}
            errors={form.errors}
          />
          <FinalCost reservation={r} body={body} />
          <FormActions onCancel={onClose} submitLabel={t("giveBack.submit")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}

/** The server's bill for the return as typed so far, refreshed a moment after each change. */
function FinalCost({ reservation: r, body }: { reservation: Reservation; body: ReturnType<typeof returnBody> }) {
  const { t } = useTranslation();
  const [settled] = useDebouncedValue(body, 400);
  const preview = useQuery({
    queryKey: ["reservations", "return-quote", r._id, settled],
    queryFn: () =>
      ok(api.POST("/api/reservations/{id}/return-quote", { params: { path: { id: r._id } }, body: settled })),
    placeholderData: keepPreviousData,
    retry: false,
  });
  if (preview.isError && !preview.data) {
    return (
      <Text c="red.9" role="alert">
        {errorMessage(t, preview.error)}
      </Text>
    );
  }
  const quote = preview.data;
  return (
    <Stack gap={4} aria-live="polite">
      <Text fw={600}>{t("giveBack.finalCost")}</Text>
      {quote && (
        <LinesTable
          lines={quote.priceLines}
          summary={[
            { label: t("giveBack.total"), amount: quote.totals.gross, total: "final-cost" },
            { label: t("reservation.remaining"), amount: quote.paymentDetails.remaining },
          ]}
        />
      )}
      {preview.isError && (
        <Text c="red.9" size="sm" role="alert">
          {errorMessage(t, preview.error)}
        </Text>
      )}
    </Stack>
  );
}
