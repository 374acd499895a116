// A dialog that asks one sentence (a reason, a resolution) before an action that keeps it
// on record.
import { Button, Stack, Textarea } from "@mantine/core";
import { useState } from "react";
import { useForm } from "@mantine/form";
import { useTranslation } from "react-i18next";
import { DeskModal } from "../../components/DeskModal";
import { FormActions } from "../../components/FormActions";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";

export function ReasonModal({
  title,
  label,
  field,
  submitLabel,
  onSubmit,
  onClose,
}: {
  title: string;
  label: string;
  /** The body's field the server names in its problems (`reason`, `resolution`). */
  field: string;
  submitLabel: string;
  onSubmit: (text: string) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: { [field]: "" } as Record<string, string>,
    validate: { [field]: (v: string) => (v.trim() ? null : t("problems.required")) },
  });
  const submit = useServerSubmit(form, async (values) => {
    await onSubmit((values[field] ?? "").trim());
    onClose();
  });
  return (
    <DeskModal opened onClose={onClose} title={title}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <Textarea label={label} required autosize minRows={2} data-autofocus {...form.getInputProps(field)} />
          <FormActions onCancel={onClose} submitLabel={submitLabel} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}

/** A button that asks the sentence in a {@link ReasonModal}, then runs `onSubmit` with it. */
export function ReasonButton({
  label,
  fieldLabel,
  field = "reason",
  onSubmit,
}: {
  label: string;
  fieldLabel: string;
  field?: string;
  onSubmit: (text: string) => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" className="no-print" onClick={() => setOpen(true)}>
        {label}
      </Button>
      {open && (
        <ReasonModal
          title={label}
          label={fieldLabel}
          field={field}
          submitLabel={label}
          onSubmit={onSubmit}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
