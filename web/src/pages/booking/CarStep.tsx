// First step: the period, then the cars free for all of it, each with its rate and what
// the period would cost with it (the server's quote, so rate plans and taxes count).
import { Badge, Button, Group, Stack, Table, Text, TextInput, VisuallyHidden } from "@mantine/core";
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ok, type Schemas } from "../../api/client";
import { BranchFilter } from "../../components/BranchFilter";
import { Pager } from "../../components/Pager";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../hooks";
import { carName } from "../cars/CarsPage";
import { fromLocalInput } from "../reservations/lifecycle";
import type { Period } from "./BookingPage";

const PER_PAGE = 20;

/** The period as the API's instants, or the problem with it. */
export function periodInstants(p: Period): { start: string; end: string } | "incomplete" | "endBeforeStart" {
  const start = fromLocalInput(p.start);
  const end = fromLocalInput(p.end);
  if (!start || !end) return "incomplete";
  return end > start ? { start, end } : "endBeforeStart";
}

export function CarStep({
  period,
  onPeriod,
  preferredCarId,
  onPick,
}: {
  period: Period;
  onPeriod: (p: Period) => void;
  preferredCarId: string | null;
  onPick: (car: Schemas["Car"]) => void;
}) {
  const { t } = useTranslation();
  const [branch, setBranch] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const instants = periodInstants(period);
  const setPeriod = (p: Period) => {
    setPage(1);
    onPeriod(p);
  };
  return (
    <Stack mt="md">
      <Group align="flex-start">
        <TextInput
          type="datetime-local"
          label={t("booking.start")}
          value={period.start}
          onChange={(e) => setPeriod({ ...period, start: e.currentTarget.value })}
          required
        />
        <TextInput
          type="datetime-local"
          label={t("booking.end")}
          value={period.end}
          onChange={(e) => setPeriod({ ...period, end: e.currentTarget.value })}
          error={instants === "endBeforeStart" ? t("problems.endAfterStart") : undefined}
          required
        />
        <BranchFilter
          value={branch}
          onChange={(b) => {
            setPage(1);
            setBranch(b);
          }}
        />
      </Group>
      {typeof instants === "object" && (
        <AvailableCars
          span={instants}
          branch={branch}
          page={page}
          onPage={setPage}
          preferredCarId={preferredCarId}
          onPick={onPick}
        />
      )}
    </Stack>
  );
}

function AvailableCars({
  span,
  branch,
  page,
  onPage,
  preferredCarId,
  onPick,
}: {
  span: { start: string; end: string };
  branch: string | null;
  page: number;
  onPage: (page: number) => void;
  preferredCarId: string | null;
  onPick: (car: Schemas["Car"]) => void;
}) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: ["cars", "available", span, branch, page],
    queryFn: () =>
      ok(
        api.GET("/api/cars/available", {
          params: {
            query: { ...span, page, perPage: PER_PAGE, sort: "dailyRate", ...(branch ? { branch } : {}) },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  return (
    <QueryState query={query}>
      {(list) =>
        list.items.length === 0 ? (
          <Text>{t("booking.noCar")}</Text>
        ) : (
          <Stack>
            <Text size="sm" c="dimmed">
              {t("booking.carsFree", { count: list.total })}
            </Text>
            <CarTable cars={list.items} span={span} preferredCarId={preferredCarId} onPick={onPick} />
            <Pager page={page} total={list.total} perPage={PER_PAGE} onChange={onPage} />
          </Stack>
        )
      }
    </QueryState>
  );
}

function CarTable({
  cars,
  span,
  preferredCarId,
  onPick,
}: {
  cars: Schemas["Car"][];
  span: { start: string; end: string };
  preferredCarId: string | null;
  onPick: (car: Schemas["Car"]) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const quotes = useQueries({
    queries: cars.map((car) => ({
      queryKey: ["quote", car._id, span],
      queryFn: () => ok(api.GET("/api/quote", { params: { query: { carId: car._id, ...span } } })),
      staleTime: 30_000,
    })),
  });
  // A car picked on the calendar comes first.
  const order = [...cars.keys()].sort(
    (a, b) => Number(cars[b]?._id === preferredCarId) - Number(cars[a]?._id === preferredCarId),
  );
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("booking.car")}</Table.Th>
            <Table.Th ta="right">{t("cars.dailyRate")}</Table.Th>
            <Table.Th ta="right">{t("booking.estimate")}</Table.Th>
            <Table.Th>
              <VisuallyHidden>{t("common.actions")}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {order.map((n) => {
            const car = cars[n] as Schemas["Car"];
            const quote = quotes[n]?.data;
            return (
              <Table.Tr key={car._id}>
                <Table.Td>
                  {carName(car)}
                  {car._id === preferredCarId && (
                    <Badge ml="xs" variant="outline">
                      {t("booking.fromCalendar")}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td ta="right">{format.money(car.dailyRate)}</Table.Td>
                <Table.Td ta="right">
                  {quote
                    ? t("booking.estimateFor", { total: format.money(quote.total.gross), count: quote.billableDays })
                    : "…"}
                </Table.Td>
                <Table.Td ta="right">
                  <Button
                    size="xs"
                    onClick={() => onPick(car)}
                    aria-label={t("booking.pickCar", { car: carName(car) })}
                  >
                    {t("booking.pick")}
                  </Button>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
