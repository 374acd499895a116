import { Select } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, ok } from "../api/client";

/** The branches, as a filter; nothing when the agency has a single site (no branches set up). */
export function BranchFilter({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const { t } = useTranslation();
  const branches = useQuery({ queryKey: ["branches"], queryFn: () => ok(api.GET("/api/branches")), staleTime: 60_000 });
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
