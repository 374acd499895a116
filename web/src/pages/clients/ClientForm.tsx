// The fields of a client, for a new one and for changes to one.
import { Button, Group, SimpleGrid, Stack, TextInput, Textarea } from "@mantine/core";
import { DateInput } from "@mantine/dates";
import { useForm } from "@mantine/form";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { changedFields } from "../../components/serverErrors";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";

export interface ClientValues {
  firstName: string;
  lastName: string;
  phone: string;
  email: string;
  CIN: string;
  driverLicenseNumber: string;
  dateOfBirth: string | null;
  licenseIssueDate: string | null;
  licenseExpiryDate: string | null;
  notes: string;
}

const OPTIONAL_TEXTS = ["email", "CIN", "driverLicenseNumber", "notes"] as const;
const OPTIONAL_DATES = ["dateOfBirth", "licenseIssueDate", "licenseExpiryDate"] as const;

export function emptyClient(phone = ""): ClientValues {
  return {
    firstName: "",
    lastName: "",
    phone,
    email: "",
    CIN: "",
    driverLicenseNumber: "",
    dateOfBirth: null,
    licenseIssueDate: null,
    licenseExpiryDate: null,
    notes: "",
  };
}

export function clientValues(c: Schemas["Client"]): ClientValues {
  return {
    firstName: c.firstName,
    lastName: c.lastName,
    phone: c.phone,
    email: c.email ?? "",
    CIN: c.CIN ?? "",
    driverLicenseNumber: c.driverLicenseNumber ?? "",
    dateOfBirth: c.dateOfBirth ?? null,
    licenseIssueDate: c.licenseIssueDate ?? null,
    licenseExpiryDate: c.licenseExpiryDate ?? null,
    notes: c.notes ?? "",
  };
}

/** A new client's JSON: what was left empty is left out. */
export function clientCreateBody(v: ClientValues): Record<string, string> {
  return Object.fromEntries(Object.entries(v).filter(([, value]) => value !== null && value !== "")) as Record<
    string,
    string
  >;
}

/** A change's JSON: only what changed, `null` for what was emptied. */
export function clientUpdateBody(before: ClientValues, after: ClientValues): Partial<Record<string, string | null>> {
  const changes = changedFields<Record<string, string | null>>({ ...before }, { ...after });
  for (const key of [...OPTIONAL_TEXTS, ...OPTIONAL_DATES]) {
    if (changes[key] === "") changes[key] = null;
  }
  return changes;
}

export function ClientForm({
  initial,
  submitLabel,
  onSubmit,
}: {
  initial: ClientValues;
  submitLabel: string;
  onSubmit: (values: ClientValues) => Promise<void>;
}) {
  const { t } = useTranslation();
  const form = useForm<ClientValues>({ initialValues: initial });
  const submit = useServerSubmit(form, onSubmit);
  const date = (field: (typeof OPTIONAL_DATES)[number], label: string) => (
    <DateInput label={label} valueFormat="YYYY-MM-DD" clearable {...form.getInputProps(field)} />
  );
  return (
    <form onSubmit={submit.onSubmit} noValidate>
      <Stack maw={720}>
        <FailureAlert message={submit.failure} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label={t("clients.firstName")} required autoComplete="off" {...form.getInputProps("firstName")} />
          <TextInput label={t("clients.lastName")} required autoComplete="off" {...form.getInputProps("lastName")} />
          <TextInput label={t("clients.phone")} type="tel" required {...form.getInputProps("phone")} />
          <TextInput label={t("clients.email")} type="email" {...form.getInputProps("email")} />
          <TextInput label={t("clients.cin")} {...form.getInputProps("CIN")} />
          <TextInput label={t("clients.driverLicenseNumber")} {...form.getInputProps("driverLicenseNumber")} />
          {date("dateOfBirth", t("clients.dateOfBirth"))}
          {date("licenseIssueDate", t("clients.licenseIssueDate"))}
          {date("licenseExpiryDate", t("clients.licenseExpiryDate"))}
        </SimpleGrid>
        <Textarea label={t("clients.notes")} autosize minRows={2} {...form.getInputProps("notes")} />
        <Group>
          <Button type="submit" loading={form.submitting}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
