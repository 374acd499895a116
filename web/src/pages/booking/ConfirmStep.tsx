// Last step: extras, the server's quote (lines, taxes, deposit), notes, and the booking.
import { Alert, Anchor, Button, Card, Checkbox, Group, SimpleGrid, Stack, Text, Textarea, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, ApiError, ok, type Schemas } from "../../api/client";
import { errorMessage } from "../../api/problems";
import { LinesTable } from "../../components/LinesTable";
import { QueryState } from "../../components/QueryState";
import { useFormat, useNotify } from "../../hooks";
import { carName } from "../cars/CarsPage";
import { clientName } from "../clients/ClientsPage";
import { useReservationChanged } from "../reservations/cache";
import type { Period } from "./BookingPage";
import { periodInstants } from "./CarStep";
import { AdditionalDrivers, BranchChoice, type Branches } from "./MoreOptions";

/** The extras chosen, as the quote's `ID:QUANTITY` list. */
export function extrasParam(ids: string[]): string | undefined {
  return ids.length > 0 ? ids.map((id) => `${id}:1`).join(",") : undefined;
}

export function ConfirmStep({
  period,
  car,
  client,
  onClash,
  onChangeClient,
}: {
  period: Period;
  car: Schemas["Car"];
  client: Schemas["Client"];
  onClash: (message: string) => void;
  onChangeClient: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const notify = useNotify();
  const navigate = useNavigate();
  const changed = useReservationChanged();
  const queries = useQueryClient();
  const [extras, setExtras] = useState<string[]>([]);
  const [confirmed, setConfirmed] = useState(true);
  const [notes, setNotes] = useState("");
  const [drivers, setDrivers] = useState<Schemas["Client"][]>([]);
  const [branches, setBranches] = useState<Branches>({ pickup: null, return: null });
  const [failure, setFailure] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const span = periodInstants(period);
  if (typeof span !== "object") return null;

  const book = async () => {
    setFailure(null);
    setSending(true);
    try {
      const created = await ok(
        api.POST("/api/reservations", {
          body: {
            carId: car._id,
            clientId: client._id,
            startDate: span.start,
            endDate: span.end,
            status: confirmed ? "confirmed" : "pending_confirmation",
            extras: extras.map((extraId) => ({ extraId, quantity: 1 })),
            additionalDriverIds: drivers.map((d) => d._id),
            ...(branches.pickup ? { pickupBranchId: branches.pickup } : {}),
            ...(branches.return ? { returnBranchId: branches.return } : {}),
            ...(notes.trim() ? { notes: notes.trim() } : {}),
          },
        }),
      );
      await changed(created);
      notify.success(
        t("booking.done", { number: created.reservationNumber, total: format.money(created.estimatedTotalCost) }),
      );
      navigate(`/reservations/${created._id}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && "carId" in e.fields) {
        // The cars offered again must be those free now.
        await queries.invalidateQueries({ queryKey: ["cars", "available"] });
        onClash(t("booking.clash", { car: carName(car) }));
      } else {
        setFailure(errorMessage(t, e));
      }
    } finally {
      setSending(false);
    }
  };

  return (
    <Stack mt="md">
      {failure && (
        <Alert color="red" role="alert">
          {failure}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Text fw={600}>{carName(car)}</Text>
          <Text size="sm">
            {format.dateTime(span.start)} → {format.dateTime(span.end)}
          </Text>
          <Text fw={600} mt="sm">
            {clientName(client)}
          </Text>
          <Text size="sm">{client.phone}</Text>
          <Anchor component="button" type="button" size="sm" onClick={onChangeClient} ta="left">
            {t("booking.otherClient")}
          </Anchor>
        </Card>
        <ExtrasChoice chosen={extras} onChange={setExtras} />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <AdditionalDrivers mainDriver={client} drivers={drivers} onChange={setDrivers} />
        <BranchChoice value={branches} onChange={setBranches} />
      </SimpleGrid>
      <QuoteCard carId={car._id} span={span} extras={extras} />
      <Textarea
        label={t("reservation.notes")}
        autosize
        minRows={2}
        value={notes}
        onChange={(e) => setNotes(e.currentTarget.value)}
      />
      <Checkbox
        label={t("booking.confirmedNow")}
        checked={confirmed}
        onChange={(e) => setConfirmed(e.currentTarget.checked)}
      />
      <Group>
        <Button onClick={() => void book()} loading={sending}>
          {t("booking.submit")}
        </Button>
      </Group>
    </Stack>
  );
}

function ExtrasChoice({ chosen, onChange }: { chosen: string[]; onChange: (ids: string[]) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const extras = useQuery({ queryKey: ["extras"], queryFn: () => ok(api.GET("/api/extras")), staleTime: 60_000 });
  const active = (extras.data?.items ?? []).filter((e) => e.active);
  if (active.length === 0) return null;
  return (
    <Card withBorder>
      <Checkbox.Group label={t("booking.extras")} value={chosen} onChange={onChange}>
        <Stack gap="xs" mt="xs">
          {active.map((e) => (
            <Checkbox
              key={e._id}
              value={e._id}
              label={`${e.name} — ${format.money(e.price)} ${t(`booking.pricing.${e.pricing}`)}`}
            />
          ))}
        </Stack>
      </Checkbox.Group>
    </Card>
  );
}

function QuoteCard({ carId, span, extras }: { carId: string; span: { start: string; end: string }; extras: string[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  const extrasList = extrasParam(extras);
  const quote = useQuery({
    queryKey: ["quote", carId, span, extrasList],
    queryFn: () =>
      ok(
        api.GET("/api/quote", { params: { query: { carId, ...span, ...(extrasList ? { extras: extrasList } : {}) } } }),
      ),
  });
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        {t("booking.quote")}
      </Title>
      <QueryState query={quote}>
        {(q) => (
          <Stack gap="xs">
            {!q.available && (
              <Alert color="orange" role="alert">
                {t("booking.noLongerFree")}
              </Alert>
            )}
            <LinesTable
              lines={q.lines}
              summary={[
                { label: t("booking.taxIncluded", { rate: format.number(q.vatRate) }), amount: q.total.tax },
                {
                  label: t("booking.estimatedTotal", { count: q.billableDays }),
                  amount: q.total.gross,
                  total: "quote-total",
                },
                ...(q.deposit > 0 ? [{ label: t("booking.deposit"), amount: q.deposit }] : []),
              ]}
            />
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}
