// The branches: where cars stand and rentals start and end; opening hours per day.
import { ActionIcon, Button, Group, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { DeskModal } from "../../components/DeskModal";
import { FormActions } from "../../components/FormActions";
import { QueryState } from "../../components/QueryState";
import { RowActions } from "../../components/RowActions";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useAction, useBranches, useNotify } from "../../hooks";

type Branch = Schemas["Branch"];
type Period = Schemas["OpeningPeriod"];

const WEEKDAYS: Schemas["Weekday"][] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** Opening hours as one line per day that has any: "lundi 08:30–12:30, 14:00–18:00". */
export function hoursText(periods: Period[], dayName: (day: string) => string): string[] {
  return WEEKDAYS.flatMap((day) => {
    const today = periods.filter((p) => p.day === day).sort((a, b) => a.opens.localeCompare(b.opens));
    return today.length === 0 ? [] : [`${dayName(day)} ${today.map((p) => `${p.opens}–${p.closes}`).join(", ")}`];
  });
}

export function BranchesPanel() {
  const { t } = useTranslation();
  const [editing, setEditing] = useState<Branch | "new" | null>(null);
  const branches = useBranches();
  const remove = useAction(
    (b: Branch) => ok(api.DELETE("/api/branches/{id}", { params: { path: { id: b._id } } })),
    [["branches"]],
    t("settings.branchDeleted"),
  );
  return (
    <Stack>
      <Group>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing("new")}>
          {t("settings.newBranch")}
        </Button>
      </Group>
      <QueryState query={branches}>
        {(list) =>
          list.items.length === 0 ? (
            <Text c="dimmed">{t("settings.noBranches")}</Text>
          ) : (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("settings.name")}</Table.Th>
                  <Table.Th>{t("settings.address")}</Table.Th>
                  <Table.Th>{t("settings.phone")}</Table.Th>
                  <Table.Th>{t("settings.hours")}</Table.Th>
                  <Table.Th>{t("common.actions")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.items.map((b) => (
                  <Table.Tr key={b._id}>
                    <Table.Td>{b.name}</Table.Td>
                    <Table.Td>{b.address}</Table.Td>
                    <Table.Td>{b.phone ?? "—"}</Table.Td>
                    <Table.Td>
                      {hoursText(b.openingHours, (d) => t(`settings.days.${d}`)).map((line) => (
                        <Text key={line} size="sm">
                          {line}
                        </Text>
                      ))}
                    </Table.Td>
                    <Table.Td>
                      <RowActions
                        onEdit={() => setEditing(b)}
                        onDelete={() => remove.mutate(b)}
                        confirmDelete={t("settings.confirmDeleteBranch", { name: b.name })}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
      {editing && <BranchModal branch={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function BranchModal({ branch, onClose }: { branch: Branch | null; onClose: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const queries = useQueryClient();
  const form = useForm({
    initialValues: {
      name: branch?.name ?? "",
      address: branch?.address ?? "",
      phone: branch?.phone ?? "",
      openingHours: branch?.openingHours ?? ([] as Period[]),
    },
  });
  const submit = useServerSubmit(form, async (v) => {
    const body = {
      name: v.name.trim(),
      address: v.address.trim(),
      phone: v.phone.trim() || null,
      openingHours: v.openingHours,
    };
    if (branch) await ok(api.PUT("/api/branches/{id}", { params: { path: { id: branch._id } }, body }));
    else await ok(api.POST("/api/branches", { body }));
    await queries.invalidateQueries({ queryKey: ["branches"] });
    notify.success(t("common.saved"));
    onClose();
  });
  const hours = form.values.openingHours;
  const setHours = (next: Period[]) => form.setFieldValue("openingHours", next);
  return (
    <DeskModal opened onClose={onClose} size="lg" title={branch ? branch.name : t("settings.newBranch")}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <TextInput label={t("settings.name")} required data-autofocus {...form.getInputProps("name")} />
          <TextInput label={t("settings.address")} required {...form.getInputProps("address")} />
          <TextInput label={t("settings.phone")} type="tel" {...form.getInputProps("phone")} />
          <Text fw={600}>{t("settings.hours")}</Text>
          {hours.map((_, n) => (
            <Group key={n} gap="xs" wrap="nowrap" align="flex-start">
              <Select
                aria-label={t("settings.dayOf", { n: n + 1 })}
                data={WEEKDAYS.map((d) => ({ value: d, label: t(`settings.days.${d}`) }))}
                allowDeselect={false}
                {...form.getInputProps(`openingHours.${n}.day`)}
              />
              <TextInput
                type="time"
                aria-label={t("settings.opensOf", { n: n + 1 })}
                {...form.getInputProps(`openingHours.${n}.opens`)}
              />
              <TextInput
                type="time"
                aria-label={t("settings.closesOf", { n: n + 1 })}
                {...form.getInputProps(`openingHours.${n}.closes`)}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                mt={6}
                aria-label={t("settings.removePeriod", { n: n + 1 })}
                onClick={() => setHours(hours.filter((_, i) => i !== n))}
              >
                <IconTrash size={16} aria-hidden />
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button
              size="xs"
              variant="default"
              leftSection={<IconPlus size={14} aria-hidden />}
              onClick={() => setHours([...hours, { day: "monday", opens: "08:30", closes: "18:00" }])}
            >
              {t("settings.addPeriod")}
            </Button>
          </Group>
          <FormActions onCancel={onClose} submitLabel={t("common.save")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}
