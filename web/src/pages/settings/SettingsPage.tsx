// The agency's set-up (admins): its branches with their opening hours, and the extras
// catalogue offered at booking.
import { Stack, Tabs, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useListParams } from "../../components/useListParams";
import { BranchesPanel } from "./BranchesPanel";
import { ExtrasPanel } from "./ExtrasPanel";

export function SettingsPage() {
  const { t } = useTranslation();
  const list = useListParams();
  return (
    <Stack>
      <Title order={2}>{t("settings.title")}</Title>
      <Tabs value={list.get("tab") ?? "branches"} onChange={(tab) => list.set("tab", tab === "branches" ? null : tab)}>
        <Tabs.List>
          <Tabs.Tab value="branches">{t("settings.branches")}</Tabs.Tab>
          <Tabs.Tab value="extras">{t("settings.extras")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="branches" pt="md">
          <BranchesPanel />
        </Tabs.Panel>
        <Tabs.Panel value="extras" pt="md">
          <ExtrasPanel />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
