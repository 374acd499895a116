// The fields of a car, for a new one and for changes to one. What the server refuses is
// shown beside its input, and what was typed stays.
import { Button, Group, NumberInput, Select, SimpleGrid, Stack, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { FailureAlert, useServerSubmit } from "../../components/useServerSubmit";
import { useFormat } from "../../hooks";

export interface CarValues {
  make: string;
  model: string;
  year: number | string;
  licensePlate: string;
  vin: string;
  color: string;
  dailyRate: number | string;
  status: string;
  description: string;
}

export const EMPTY_CAR: CarValues = {
  make: "",
  model: "",
  year: new Date().getFullYear(),
  licensePlate: "",
  vin: "",
  color: "",
  dailyRate: "",
  status: "available",
  description: "",
};

/** The statuses a person may set; `rented` comes and goes with pick-ups and returns. */
const SETTABLE = ["available", "maintenance", "out_of_service"];

export function CarForm({
  initial,
  withStatus,
  submitLabel,
  onSubmit,
  children,
}: {
  initial: CarValues;
  withStatus: boolean;
  submitLabel: string;
  onSubmit: (values: CarValues) => Promise<void>;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const { currency } = useFormat();
  const form = useForm<CarValues>({ initialValues: initial });
  const submit = useServerSubmit(form, onSubmit);

  return (
    <form onSubmit={submit.onSubmit} noValidate>
      <Stack maw={720}>
        <FailureAlert message={submit.failure} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label={t("cars.make")} required {...form.getInputProps("make")} />
          <TextInput label={t("cars.model")} required {...form.getInputProps("model")} />
          <NumberInput label={t("cars.year")} required allowDecimal={false} {...form.getInputProps("year")} />
          <TextInput label={t("cars.licensePlate")} required {...form.getInputProps("licensePlate")} />
          <TextInput label={t("cars.vin")} required maxLength={17} {...form.getInputProps("vin")} />
          <TextInput label={t("cars.color")} {...form.getInputProps("color")} />
          <NumberInput
            label={`${t("cars.dailyRate")} (${currency})`}
            required
            min={0}
            decimalScale={2}
            {...form.getInputProps("dailyRate")}
          />
          {withStatus && (
            <Select
              label={t("cars.status")}
              allowDeselect={false}
              data={SETTABLE.map((s) => ({ value: s, label: t(`status.car.${s}`) }))}
              {...form.getInputProps("status")}
            />
          )}
        </SimpleGrid>
        <Textarea label={t("cars.description")} autosize minRows={2} {...form.getInputProps("description")} />
        {children}
        <Group>
          <Button type="submit" loading={form.submitting}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The JSON of a new car: optional texts left empty are left out. */
export function carCreateBody(v: CarValues) {
  return {
    make: v.make,
    model: v.model,
    year: numberOrNull(v.year),
    licensePlate: v.licensePlate,
    vin: v.vin,
    dailyRate: numberOrNull(v.dailyRate),
    status: v.status as "available" | "maintenance" | "out_of_service",
    ...(v.color.trim() ? { color: v.color } : {}),
    ...(v.description.trim() ? { description: v.description } : {}),
  };
}

/**
 * An emptied number input as `null`, which the server answers with "is required" on
 * that field: its rules, not a copy of them here, decide what is valid.
 */
export function numberOrNull(value: number | string): number {
  return (value === "" ? null : Number(value)) as number;
}
