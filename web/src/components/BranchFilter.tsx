import { Select } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useBranches } from "../hooks";

/** The branches, as a filter; nothing when the agency has a single site (no branches set up). */
export function BranchFilter({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const { t } = useTranslation();
  const branches = useBranches();
  const items = branches.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Select
      label={t("branches.filter")}
      placeholder={t("branches.all")}
      clearable
      value={value}
      onChange={onChange}
      data={items.map((b) => ({ value: b._id, label: b.name }))}
      w={220}
    />
  );
}
