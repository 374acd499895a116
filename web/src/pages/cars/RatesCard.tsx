// A car's rate plan and deposit: the daily rate, cheaper day rates for long rentals,
// seasons with their own rates, and the deposit held at hand-over. Bookings keep the plan
// they were priced with; admins change it, managers read it.
import { ActionIcon, Button, Card, Group, NumberInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { Facts } from "../../components/Facts";
import { FormActions } from "../../components/FormActions";
import { QueryState } from "../../components/QueryState";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useFormat, useNotify } from "../../hooks";

type Rates = Schemas["CarRates"];
type Amount = number | string;

interface Season {
  name: string;
  firstDay: string;
  lastDay: string;
  daily: Amount;
}

const MONEY = { decimalScale: 2, decimalSeparator: ",", allowedDecimalSeparators: [".", ","], min: 0 };

/** An optional amount as the API takes it: empty is none. */
const optional = (v: Amount) => (v === "" ? null : Number(v));

/** The form's values as the plan the API replaces the car's with. */
export function ratesBody(v: {
  daily: Amount;
  weekly: Amount;
  monthly: Amount;
  deposit: Amount;
  seasons: Season[];
}): Rates {
  return {
    base: { daily: Number(v.daily), weekly: optional(v.weekly), monthly: optional(v.monthly) },
    deposit: Number(v.deposit || 0),
    seasons: v.seasons.map((s) => ({
      name: s.name.trim(),
      firstDay: s.firstDay,
      lastDay: s.lastDay,
      rates: { daily: Number(s.daily) },
    })),
  };
}

export function RatesCard({ carId, editable }: { carId: string; editable: boolean }) {
  const { t } = useTranslation();
  const rates = useQuery({
    queryKey: ["cars", "rates", carId],
    queryFn: () => ok(api.GET("/api/cars/{id}/rates", { params: { path: { id: carId } } })),
  });
  return (
    <Card withBorder>
      <Title order={3} size="h5">
        {t("rates.title")}
      </Title>
      <QueryState query={rates}>
        {(r) => (editable ? <RatesForm key={JSON.stringify(r)} carId={carId} rates={r} /> : <RatesFacts rates={r} />)}
      </QueryState>
    </Card>
  );
}

function RatesFacts({ rates }: { rates: Rates }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Facts
      rows={[
        [t("rates.daily"), format.money(rates.base.daily)],
        [t("rates.weekly"), format.money(rates.base.weekly)],
        [t("rates.monthly"), format.money(rates.base.monthly)],
        [t("rates.deposit"), format.money(rates.deposit)],
        ...(rates.seasons ?? []).map(
          (s) => [`${s.name} (${s.firstDay} → ${s.lastDay})`, format.money(s.rates.daily)] as [string, string],
        ),
      ]}
    />
  );
}

function RatesForm({ carId, rates }: { carId: string; rates: Rates }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const queries = useQueryClient();
  const form = useForm({
    initialValues: {
      daily: rates.base.daily as Amount,
      weekly: (rates.base.weekly ?? "") as Amount,
      monthly: (rates.base.monthly ?? "") as Amount,
      deposit: rates.deposit as Amount,
      seasons: (rates.seasons ?? []).map((s) => ({
        name: s.name,
        firstDay: s.firstDay,
        lastDay: s.lastDay,
        daily: s.rates.daily as Amount,
      })),
    },
  });
  const submit = useServerSubmit(form, async (values) => {
    await ok(api.PUT("/api/cars/{id}/rates", { params: { path: { id: carId } }, body: ratesBody(values) }));
    await queries.invalidateQueries({ queryKey: ["cars"] });
    notify.success(t("common.saved"));
  });
  const seasons = form.values.seasons;
  return (
    <form noValidate onSubmit={submit.onSubmit}>
      <Stack gap="xs">
        <FailureAlert message={submit.failure} />
        <Group grow align="flex-start">
          <NumberInput label={t("rates.daily")} required {...MONEY} {...form.getInputProps("daily")} />
          <NumberInput
            label={t("rates.weekly")}
            description={t("rates.weeklyHint")}
            {...MONEY}
            {...form.getInputProps("weekly")}
          />
          <NumberInput
            label={t("rates.monthly")}
            description={t("rates.monthlyHint")}
            {...MONEY}
            {...form.getInputProps("monthly")}
          />
          <NumberInput label={t("rates.deposit")} {...MONEY} {...form.getInputProps("deposit")} />
        </Group>
        <Text fw={600}>{t("rates.seasons")}</Text>
        {seasons.map((_, n) => (
          <Group key={n} gap="xs" wrap="nowrap" align="flex-start">
            <TextInput
              aria-label={t("rates.seasonName", { n: n + 1 })}
              placeholder={t("rates.seasonPlaceholder")}
              {...form.getInputProps(`seasons.${n}.name`)}
            />
            <TextInput
              type="date"
              aria-label={t("rates.firstDay", { n: n + 1 })}
              {...form.getInputProps(`seasons.${n}.firstDay`)}
            />
            <TextInput
              type="date"
              aria-label={t("rates.lastDay", { n: n + 1 })}
              {...form.getInputProps(`seasons.${n}.lastDay`)}
            />
            <NumberInput
              aria-label={t("rates.seasonDaily", { n: n + 1 })}
              {...MONEY}
              {...form.getInputProps(`seasons.${n}.daily`)}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              mt={6}
              aria-label={t("rates.removeSeason", { n: n + 1 })}
              onClick={() => form.removeListItem("seasons", n)}
            >
              <IconTrash size={16} aria-hidden />
            </ActionIcon>
          </Group>
        ))}
        <Group justify="space-between">
          <Button
            size="xs"
            variant="default"
            leftSection={<IconPlus size={14} aria-hidden />}
            onClick={() => form.insertListItem("seasons", { name: "", firstDay: "", lastDay: "", daily: "" })}
          >
            {t("rates.addSeason")}
          </Button>
          <FormActions submitLabel={t("rates.save")} submitting={form.submitting} />
        </Group>
      </Stack>
    </form>
  );
}
