import { DatePickerInput } from "@mantine/dates";
import { useTranslation } from "react-i18next";
import type { ListParams } from "./useListParams";

/** A range of days kept in the list's `from` and `to` parameters; empty is any date. */
export function PeriodFilter({ list }: { list: ListParams }) {
  const { t } = useTranslation();
  return (
    <DatePickerInput
      type="range"
      label={t("reservations.period")}
      description={t("reservations.anyPeriod")}
      clearable
      allowSingleDateInRange
      value={[list.get("from"), list.get("to")]}
      // Both ends change together, so that the list is asked once.
      onChange={([from, to]) => list.setMany({ from, to })}
      w={260}
    />
  );
}
