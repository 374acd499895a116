import { Modal, type ModalProps } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** A dialog whose close button has a name in the user's language (Mantine's has none). */
export function DeskModal(props: ModalProps) {
  const { t } = useTranslation();
  return <Modal closeButtonProps={{ "aria-label": t("common.close") }} {...props} />;
}
