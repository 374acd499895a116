// Handing the car over: the time, the driving licence if the client has none on file, and
// the hand-over inspection. A refusal of the driver checks says which rule and why.
import { Alert, Anchor, List, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { DeskModal } from "../../components/DeskModal";
import { Link } from "react-router";
import { api, ApiError, ok, type Schemas } from "../../api/client";
import { fieldErrors } from "../../api/problems";
import { FormActions } from "../../components/FormActions";
import { QueryState } from "../../components/QueryState";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useNotify } from "../../hooks";
import { clientName } from "../clients/ClientsPage";
import { emptyInspection, inspectionBody, InspectionFields } from "./InspectionFields";
import { fromLocalInput, toLocalInput } from "./lifecycle";
import { useStatusChange } from "./StatusActions";

type Reservation = Schemas["Reservation"];
type Client = Schemas["Client"];

/** The client fields the driver checks can refuse, with their labels' keys. */
const DRIVER_FIELDS: Record<string, string> = {
  driverLicenseNumber: "clients.driverLicenseNumber",
  licenseExpiryDate: "clients.licenseExpiryDate",
  licenseIssueDate: "clients.licenseIssueDate",
  dateOfBirth: "clients.dateOfBirth",
};

export function PickUpModal({ reservation: r, onClose }: { reservation: Reservation; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQuery({
    queryKey: ["clients", "one", r.clientId],
    queryFn: () => ok(api.GET("/api/clients/{id}", { params: { path: { id: r.clientId } } })),
  });
  return (
    <DeskModal opened onClose={onClose} size="lg" title={t("pickUp.title", { number: r.reservationNumber })}>
      <QueryState query={client}>{(c) => <PickUpForm reservation={r} client={c} onClose={onClose} />}</QueryState>
    </DeskModal>
  );
}

function PickUpForm({
  reservation: r,
  client,
  onClose,
}: {
  reservation: Reservation;
  client: Client;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const notify = useNotify();
  const queries = useQueryClient();
  const change = useStatusChange(r);
  const [refusal, setRefusal] = useState<Record<string, string> | null>(null);
  const needsLicence = !client.driverLicenseNumber;
  const form = useForm({
    initialValues: {
      at: toLocalInput(new Date()),
      driverLicenseNumber: "",
      inspection: emptyInspection(clientName(client)),
    },
    validate: {
      driverLicenseNumber: (v) => (needsLicence && !v.trim() ? t("pickUp.licenceNeeded") : null),
    },
  });
  const submit = useServerSubmit(form, async (values) => {
    setRefusal(null);
    if (needsLicence) {
      await ok(
        api.PUT("/api/clients/{id}", {
          params: { path: { id: client._id } },
          body: { driverLicenseNumber: values.driverLicenseNumber.trim() },
        }),
      );
      await queries.invalidateQueries({ queryKey: ["clients", "one", client._id] });
    }
    try {
      await change({
        status: "active",
        ...(form.isDirty("at") ? { at: fromLocalInput(values.at) } : {}),
        inspection: inspectionBody(values.inspection),
      });
    } catch (e) {
      const refused = driverRefusal(e);
      if (refused) {
        setRefusal(fieldErrors(t, refused));
        return;
      }
      throw e;
    }
    notify.success(t("pickUp.done"));
    onClose();
  });
  return (
    <form noValidate onSubmit={submit.onSubmit}>
      <Stack>
        <FailureAlert message={submit.failure} />
        {refusal && <DriverRefusal problems={refusal} clientId={client._id} />}
        <TextInput
          type="datetime-local"
          label={t("pickUp.at")}
          description={t("pickUp.atHint")}
          {...form.getInputProps("at")}
        />
        {needsLicence && (
          <TextInput
            label={t("clients.driverLicenseNumber")}
            description={t("pickUp.licenceHint")}
            required
            data-autofocus
            {...form.getInputProps("driverLicenseNumber")}
          />
        )}
        <InspectionFields
          value={form.values.inspection}
          onChange={(v) => form.setFieldValue("inspection", v)}
          errors={form.errors}
        />
        <FormActions onCancel={onClose} submitLabel={t("pickUp.submit")} submitting={form.submitting} />
      </Stack>
    </form>
  );
}

/** A 422 whose fields are the client's (the driver checks), else nothing. */
function driverRefusal(e: unknown): ApiError | null {
  if (!(e instanceof ApiError) || e.status !== 422) return null;
  const fields = Object.keys(e.fields).map((f) => f.replace(/^additionalDrivers\[\d+\]\./, ""));
  return fields.length > 0 && fields.every((f) => f in DRIVER_FIELDS) ? e : null;
}

function DriverRefusal({ problems, clientId }: { problems: Record<string, string>; clientId: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" role="alert">
      <Text fw={700}>{t("pickUp.refused")}</Text>
      <List size="sm">
        {Object.entries(problems).map(([field, problem]) => {
          const other = field.match(/^additionalDrivers\[(\d+)\]\.(.*)$/);
          const key = DRIVER_FIELDS[other?.[2] ?? field] ?? field;
          return (
            <List.Item key={field}>
              {other ? t("pickUp.otherDriver", { n: Number(other[1]) + 1 }) + " — " : ""}
              {t(key)} : {problem}
            </List.Item>
          );
        })}
      </List>
      <Text size="sm" mt="xs">
        <Anchor component={Link} to={`/clients/${clientId}`}>
          {t("pickUp.fixClient")}
        </Anchor>
      </Text>
    </Alert>
  );
}
