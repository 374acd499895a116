// The less common parts of a booking: other drivers (each checked like the main driver at
// hand-over), and where the car is picked up and returned (another branch at return makes
// a one-way rental).
import { Badge, Button, Card, CloseButton, Group, Select, Stack, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { useBranches } from "../../hooks";
import { clientName } from "../clients/ClientsPage";
import { findClients } from "./ClientStep";

type Client = Schemas["Client"];

/** The contract allows at most this many additional drivers. */
const MAX_DRIVERS = 4;

export function AdditionalDrivers({
  mainDriver,
  drivers,
  onChange,
}: {
  mainDriver: Client;
  drivers: Client[];
  onChange: (drivers: Client[]) => void;
}) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState("");
  const [searched, setSearched] = useState<string | null>(null);
  const found = useQuery({
    queryKey: ["clients", "list", { driver: searched }],
    queryFn: () => findClients(searched ?? "", 5),
    enabled: Boolean(searched),
  });
  const taken = new Set([mainDriver._id, ...drivers.map((d) => d._id)]);
  const search = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim()) setSearched(typed.trim());
  };
  return (
    <Card withBorder>
      <Text fw={600}>{t("booking.otherDrivers")}</Text>
      <Text size="sm" c="dimmed">
        {t("booking.otherDriversHint")}
      </Text>
      <Group gap="xs" my="xs">
        {drivers.map((d) => (
          <Badge
            key={d._id}
            variant="outline"
            rightSection={
              <CloseButton
                size="xs"
                aria-label={t("booking.removeDriver", { name: clientName(d) })}
                onClick={() => onChange(drivers.filter((x) => x._id !== d._id))}
              />
            }
          >
            {clientName(d)}
          </Badge>
        ))}
      </Group>
      {drivers.length < MAX_DRIVERS && (
        <Stack gap="xs">
          <form onSubmit={search} role="search">
            <Group align="flex-end" gap="xs">
              <TextInput
                label={t("booking.driverSearch")}
                value={typed}
                onChange={(e) => setTyped(e.currentTarget.value)}
                size="xs"
              />
              <Button type="submit" size="xs" variant="default">
                {t("clients.find")}
              </Button>
            </Group>
          </form>
          {searched && found.data && found.data.items.length === 0 && (
            <Text size="sm">{t("booking.noClient", { text: searched })}</Text>
          )}
          {found.data?.items
            .filter((c) => !taken.has(c._id))
            .map((c) => (
              <Group key={c._id} justify="space-between">
                <Text size="sm">
                  {clientName(c)} — {c.phone}
                </Text>
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => onChange([...drivers, c])}
                  aria-label={t("booking.addDriver", { name: clientName(c) })}
                >
                  {t("booking.add")}
                </Button>
              </Group>
            ))}
        </Stack>
      )}
    </Card>
  );
}

export interface Branches {
  pickup: string | null;
  return: string | null;
}

/** Where the car leaves from and comes back to; empty keeps the server's defaults. */
export function BranchChoice({ value, onChange }: { value: Branches; onChange: (b: Branches) => void }) {
  const { t } = useTranslation();
  const branches = useBranches();
  const items = branches.data?.items ?? [];
  if (items.length === 0) return null;
  const data = items.map((b) => ({ value: b._id, label: b.name }));
  return (
    <Card withBorder>
      <Group grow align="flex-start">
        <Select
          label={t("booking.pickupBranch")}
          placeholder={t("booking.carBranch")}
          clearable
          data={data}
          value={value.pickup}
          onChange={(pickup) => onChange({ ...value, pickup })}
        />
        <Select
          label={t("booking.returnBranch")}
          placeholder={t("booking.samePlace")}
          description={value.return && value.return !== value.pickup ? t("booking.oneWay") : undefined}
          clearable
          data={data}
          value={value.return}
          onChange={(ret) => onChange({ ...value, return: ret })}
        />
      </Group>
    </Card>
  );
}
