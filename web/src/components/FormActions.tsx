import { Button, Group } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** The row under a form: Cancel, and the submit button that spins while the form is sent. */
export function FormActions({
  onCancel,
  submitLabel,
  submitting,
  color,
}: {
  onCancel?: () => void;
  submitLabel: string;
  submitting: boolean;
  color?: string;
}) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end">
      {onCancel && (
        <Button variant="default" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
      )}
      <Button type="submit" loading={submitting} color={color}>
        {submitLabel}
      </Button>
    </Group>
  );
}
