import { Button, Group } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { confirmThen } from "./confirm";

/** A table row's buttons: any of its own, Edit, and Delete after a confirmation. */
export function RowActions({
  onEdit,
  onDelete,
  confirmDelete,
  children,
}: {
  onEdit?: () => void;
  onDelete: () => void;
  /** The question asked before deleting. */
  confirmDelete: string;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" justify="flex-end" wrap="nowrap">
      {children}
      {onEdit && (
        <Button size="xs" variant="default" onClick={onEdit}>
          {t("common.edit")}
        </Button>
      )}
      <Button
        size="xs"
        variant="outline"
        color="red"
        onClick={() => confirmThen(t, confirmDelete, t("common.delete"), onDelete)}
      >
        {t("common.delete")}
      </Button>
    </Group>
  );
}
