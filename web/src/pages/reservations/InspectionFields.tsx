// The readings taken when the car leaves and comes back: odometer, fuel, damage (marked on
// an outline of the car) and the client's signature.
import { ActionIcon, Group, NumberInput, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";

type DamageZone = Schemas["DamageZone"];
type InspectionRequest = Schemas["InspectionRequest"];

export interface InspectionValues {
  odometerKm: number | string;
  fuelEighths: string;
  signedBy: string;
  damage: { zone: DamageZone; description: string }[];
}

export function emptyInspection(signedBy: string, damage: InspectionValues["damage"] = []): InspectionValues {
  return { odometerKm: "", fuelEighths: "8", signedBy, damage };
}

/** The inspection to send, or none when no odometer reading was typed (it is optional). */
export function inspectionBody(v: InspectionValues): InspectionRequest | null {
  if (v.odometerKm === "" || v.odometerKm === null) return null;
  return {
    odometerKm: Number(v.odometerKm),
    fuelEighths: Number(v.fuelEighths),
    signedBy: v.signedBy.trim(),
    damage: v.damage.filter((d) => d.description.trim() !== ""),
  };
}

const FUEL = Array.from({ length: 9 }, (_, n) => String(n));

export function InspectionFields({
  value,
  onChange,
  errors,
}: {
  value: InspectionValues;
  onChange: (v: InspectionValues) => void;
  errors: Record<string, unknown>;
}) {
  const { t } = useTranslation();
  const set = (patch: Partial<InspectionValues>) => onChange({ ...value, ...patch });
  const setDamage = (damage: InspectionValues["damage"]) => set({ damage });
  const error = (field: string) => errors[`inspection.${field}`] as string | undefined;
  return (
    <Stack gap="xs">
      <Text fw={600}>{t("inspection.title")}</Text>
      <Text size="sm" c="dimmed">
        {t("inspection.hint")}
      </Text>
      <Group grow align="flex-start">
        <NumberInput
          label={t("inspection.odometer")}
          suffix=" km"
          min={0}
          allowDecimal={false}
          thousandSeparator=" "
          value={value.odometerKm}
          onChange={(odometerKm) => set({ odometerKm })}
          error={error("odometerKm")}
        />
        <Select
          label={t("inspection.fuel")}
          data={FUEL.map((n) => ({ value: n, label: t("inspection.eighths", { count: Number(n) }) }))}
          value={value.fuelEighths}
          onChange={(fuelEighths) => set({ fuelEighths: fuelEighths ?? "8" })}
          allowDeselect={false}
          error={error("fuelEighths")}
        />
        <TextInput
          label={t("inspection.signedBy")}
          value={value.signedBy}
          onChange={(e) => set({ signedBy: e.currentTarget.value })}
          error={error("signedBy")}
        />
      </Group>
      <Group align="flex-start" wrap="nowrap">
        <CarOutline
          marked={value.damage.map((d) => d.zone)}
          onPick={(zone) => setDamage([...value.damage, { zone, description: "" }])}
        />
        <Stack gap={4} style={{ flex: 1 }}>
          <Text size="sm">{t("inspection.damageHint")}</Text>
          {value.damage.map((d, n) => (
            <Group key={n} gap="xs" wrap="nowrap">
              <Text size="sm" w={110}>
                {t(`inspection.zones.${d.zone}`)}
              </Text>
              <TextInput
                aria-label={t("inspection.damageOn", { zone: t(`inspection.zones.${d.zone}`) })}
                placeholder={t("inspection.damagePlaceholder")}
                value={d.description}
                onChange={(e) =>
                  setDamage(value.damage.map((x, i) => (i === n ? { ...x, description: e.currentTarget.value } : x)))
                }
                style={{ flex: 1 }}
                error={error(`damage[${n}].description`)}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={t("inspection.removeDamage")}
                onClick={() => setDamage(value.damage.filter((_, i) => i !== n))}
              >
                <IconTrash size={16} aria-hidden />
              </ActionIcon>
            </Group>
          ))}
        </Stack>
      </Group>
    </Stack>
  );
}

/** Where each zone sits on a top view of a car (x, y, width, height in a 120 × 220 box). */
const ZONES: [DamageZone, number, number, number, number][] = [
  ["front", 25, 5, 70, 35],
  ["windscreen", 30, 42, 60, 22],
  ["roof", 30, 66, 60, 80],
  ["interior", 42, 92, 36, 28],
  ["rear", 25, 180, 70, 35],
  ["left", 5, 40, 18, 140],
  ["right", 97, 40, 18, 140],
  ["wheels", 0, 150, 120, 18],
];

/** A top view of a car whose zones can be clicked (or reached by Tab) to note damage there. */
function CarOutline({ marked, onPick }: { marked: DamageZone[]; onPick: (zone: DamageZone) => void }) {
  const { t } = useTranslation();
  return (
    <svg viewBox="0 0 120 220" width={120} height={220} role="group" aria-label={t("inspection.outline")}>
      <rect x={20} y={2} width={80} height={216} rx={30} fill="none" stroke="currentColor" strokeWidth={2} />
      {ZONES.map(([zone, x, y, w, h]) => (
        <rect
          key={zone}
          x={x}
          y={y}
          width={w}
          height={h}
          rx={4}
          role="button"
          tabIndex={0}
          aria-label={t("inspection.addDamageOn", { zone: t(`inspection.zones.${zone}`) })}
          className={marked.includes(zone) ? "zone zone-marked" : "zone"}
          onClick={() => onPick(zone)}
          onKeyDown={(e) => {
            if (e.key === "Enter" || e.key === " ") {
              e.preventDefault();
              onPick(zone);
            }
          }}
        >
          <title>{t(`inspection.zones.${zone}`)}</title>
        </rect>
      ))}
    </svg>
  );
}
