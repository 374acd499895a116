// Taking a car off the road for a window (servicing, repair, registration): its blocks,
// a new one, ending one now, removing one entered by mistake. The fleet calendar draws them.
import { Button, Card, Group, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { DeskModal } from "../../components/DeskModal";
import { FormActions } from "../../components/FormActions";
import { RowActions } from "../../components/RowActions";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useAction, useFormat, useNotify } from "../../hooks";
import { fromLocalInput, toLocalInput } from "../reservations/lifecycle";

type Block = Schemas["Block"];

export function BlocksCard({ carId }: { carId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [adding, setAdding] = useState(false);
  const blocks = useQuery({
    queryKey: ["cars", "blocks", carId],
    queryFn: () => ok(api.GET("/api/cars/{id}/blocks", { params: { path: { id: carId }, query: { perPage: 20 } } })),
  });
  const stale: QueryKey[] = [["cars"], ["calendar"], ["dashboard"]];
  const end = useAction(
    (b: Block) =>
      ok(
        api.PUT("/api/cars/{id}/blocks/{blockId}", {
          params: { path: { id: carId, blockId: b._id } },
          body: { end: new Date().toISOString() },
        }),
      ),
    stale,
    t("blocks.ended"),
  );
  const remove = useAction(
    (b: Block) =>
      ok(api.DELETE("/api/cars/{id}/blocks/{blockId}", { params: { path: { id: carId, blockId: b._id } } })),
    stale,
    t("blocks.deleted"),
  );
  const now = Date.now();
  const items = blocks.data?.items ?? [];
  return (
    <Card withBorder>
      <Group justify="space-between">
        <Title order={3} size="h5">
          {t("blocks.title")}
        </Title>
        <Button size="xs" variant="default" onClick={() => setAdding(true)}>
          {t("blocks.new")}
        </Button>
      </Group>
      {items.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t("blocks.none")}
        </Text>
      ) : (
        <Table>
          <Table.Tbody>
            {items.map((b) => {
              const running = new Date(b.start).getTime() <= now && (!b.end || new Date(b.end).getTime() > now);
              return (
                <Table.Tr key={b._id}>
                  <Table.Td>{b.reason}</Table.Td>
                  <Table.Td>
                    {format.dateTime(b.start)} → {b.end ? format.dateTime(b.end) : t("blocks.open")}
                  </Table.Td>
                  <Table.Td ta="right">
                    <RowActions
                      onDelete={() => remove.mutate(b)}
                      confirmDelete={t("blocks.confirmDelete", { reason: b.reason })}
                    >
                      {running && (
                        <Button size="xs" variant="default" onClick={() => end.mutate(b)}>
                          {t("blocks.endNow")}
                        </Button>
                      )}
                    </RowActions>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {adding && <NewBlockModal carId={carId} stale={stale} onClose={() => setAdding(false)} />}
    </Card>
  );
}

function NewBlockModal({ carId, stale, onClose }: { carId: string; stale: QueryKey[]; onClose: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const queries = useQueryClient();
  const form = useForm({ initialValues: { start: toLocalInput(new Date()), end: "", reason: "" } });
  const submit = useServerSubmit(form, async (values) => {
    await ok(
      api.POST("/api/cars/{id}/blocks", {
        params: { path: { id: carId } },
        body: {
          start: fromLocalInput(values.start) ?? "",
          end: fromLocalInput(values.end),
          reason: values.reason.trim(),
        },
      }),
    );
    await Promise.all(stale.map((queryKey) => queries.invalidateQueries({ queryKey })));
    notify.success(t("blocks.created"));
    onClose();
  });
  return (
    <DeskModal opened onClose={onClose} title={t("blocks.new")}>
      <form noValidate onSubmit={submit.onSubmit}>
        <Stack>
          <FailureAlert message={submit.failure} />
          <TextInput type="datetime-local" label={t("blocks.start")} required {...form.getInputProps("start")} />
          <TextInput
            type="datetime-local"
            label={t("blocks.end")}
            description={t("blocks.endHint")}
            {...form.getInputProps("end")}
          />
          <TextInput
            label={t("blocks.reason")}
            placeholder={t("blocks.reasonPlaceholder")}
            required
            data-autofocus
            {...form.getInputProps("reason")}
          />
          <FormActions onCancel={onClose} submitLabel={t("common.create")} submitting={form.submitting} />
        </Stack>
      </form>
    </DeskModal>
  );
}
