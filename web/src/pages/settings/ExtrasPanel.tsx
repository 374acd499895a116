// The extras catalogue: child seats, GPS, additional insurance… priced per day or per
// rental, with an optional cap; a booking keeps the terms it was made with.
import { Button, Checkbox, Group, NumberInput, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconPlus } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { DeskModal } from "../../components/DeskModal";
import { FormActions } from "../../components/FormActions";
import { QueryState } from "../../components/QueryState";
import { RowActions } from "../../components/RowActions";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useAction, useFormat, useNotify } from "../../hooks";

type Extra = Schemas["Extra"];

export function ExtrasPanel() {
  const { t } = useTranslation();
  const format = useFormat();
  const [editing, setEditing] = useState<Extra | "new" | null>(null);
  const extras = useQuery({ queryKey: ["extras"], queryFn: () => ok(api.GET("/api/extras")) });
  const remove = useAction(
    (e: Extra) => ok(api.DELETE("/api/extras/{id}", { params: { path: { id: e._id } } })),
    [["extras"]],
    t("settings.extraDeleted"),
  );
  return (
    <Stack>
      <Group>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing("new")}>
          {t("settings.newExtra")}
        </Button>
      </Group>
      <QueryState query={extras}>
        {(list) =>
          list.items.length === 0 ? (
            <Text c="dimmed">{t("settings.noExtras")}</Text>
          ) : (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("settings.name")}</Table.Th>
                  <Table.Th ta="right">{t("settings.price")}</Table.Th>
                  <Table.Th ta="right">{t("settings.cap")}</Table.Th>
                  <Table.Th>{t("settings.state")}</Table.Th>
                  <Table.Th>{t("common.actions")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.items.map((e) => (
                  <Table.Tr key={e._id}>
                    <Table.Td>{e.name}</Table.Td>
                    <Table.Td ta="right">
                      {format.money(e.price)} {t(`booking.pricing.${e.pricing}`)}
                    </Table.Td>
                    <Table.Td ta="right">{format.money(e.cap)}</Table.Td>
                    <Table.Td>{e.active ? t("settings.offered") : t("settings.withdrawn")}</Table.Td>
                    <Table.Td>
                      <RowActions
                        onEdit={() => setEditing(e)}
                        onDelete={() => remove.mutate(e)}
                        confirmDelete={t("settings.confirmDeleteExtra", { name: e.name })}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
      {editing && <ExtraModal extra={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function ExtraModal({ extra, onClose }: { extra: Extra | null; onClose: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const queries = useQueryClient();
  const form = useForm({
    initialValues: {
      name: extra?.name ?? "",
      pricing: (extra?.pricing ?? "perDay") as string,
      price: (extra?.price ?? "") as number | string,
      cap: (extra?.cap ?? "") as number | string,
      active: extra?.active ?? true,
    },
  });
  const submit = useServerSubmit(form, async (v) => {
    const body = {
      name: v.name.trim(),
      pricing: v.pricing as Schemas["ExtraPricing"],
      price: Number(v.price),
      cap: v.cap === "" ? null : Number(v.cap),
      active: v.active,
    };
    if (extra) await ok(api.PUT("/api/extras/{id}", { params: { path: { id: extra._id } }, body }));
    else await ok(api.POST("/api/extras", { body }));
    await queries.invalidateQueries({ queryKey: ["extras"] });
    notify.success(t("common.saved"));
    onClose();
  });
  const money = { decimalScale: 2, decimalSeparator: ",", allowedDecimalSeparators: [".", ","], min: 0 };
  return (
    <DeskModal opened onClose={onClose} title={extra ? extra.name : t("settings.newExtra")}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <TextInput label={t("settings.name")} required data-autofocus {...form.getInputProps("name")} />
          <Select
            label={t("settings.pricing")}
            data={(["perDay", "perRental"] as const).map((p) => ({ value: p, label: t(`booking.pricing.${p}`) }))}
            allowDeselect={false}
            {...form.getInputProps("pricing")}
          />
          <NumberInput label={t("settings.price")} required {...money} {...form.getInputProps("price")} />
          <NumberInput
            label={t("settings.cap")}
            description={t("settings.capHint")}
            {...money}
            {...form.getInputProps("cap")}
          />
          <Checkbox label={t("settings.offered")} {...form.getInputProps("active", { type: "checkbox" })} />
          <FormActions onCancel={onClose} submitLabel={t("common.save")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}
