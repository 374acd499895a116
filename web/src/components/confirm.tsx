import { Text } from "@mantine/core";
import { modals } from "@mantine/modals";
import type { TFunction } from "i18next";

/** Asks before an action that cannot be undone; runs it only on "yes". */
export function confirmThen(t: TFunction, message: string, confirmLabel: string, action: () => void) {
  modals.openConfirmModal({
    title: t("common.confirmTitle"),
    children: <Text size="sm">{message}</Text>,
    labels: { confirm: confirmLabel, cancel: t("common.cancel") },
    confirmProps: { color: "red" },
    onConfirm: action,
  });
}
