import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";

const CAR_COLORS: Record<string, string> = {
  available: "green",
  rented: "blue",
  maintenance: "orange",
  out_of_service: "gray",
};

const RESERVATION_COLORS: Record<string, string> = {
  pending_confirmation: "yellow",
  confirmed: "cyan",
  active: "blue",
  completed: "green",
  cancelled_by_client: "gray",
  cancelled_by_agency: "gray",
  no_show: "red",
};

/** A status in words and a coloured dot: the words stay dark enough to read on any colour. */
export function StatusBadge({ kind, status }: { kind: "car" | "reservation"; status: string }) {
  const { t } = useTranslation();
  const colors = kind === "car" ? CAR_COLORS : RESERVATION_COLORS;
  return (
    // A narrow table column must not cut the words to an ellipsis.
    <Badge color={colors[status] ?? "gray"} variant="dot" styles={{ label: { overflow: "visible" } }}>
      {t(`status.${kind}.${status}`, { defaultValue: status })}
    </Badge>
  );
}
