// The fleet calendar: cars as rows, days as columns, bookings as bars coloured by status
// and maintenance blocks as hatched bars. A bar opens its reservation; a click on a free
// day starts a booking of that car for that day.
import { Anchor, Button, Group, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { IconChevronLeft, IconChevronRight } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import dayjs, { type Dayjs } from "dayjs";
import type { MouseEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { api, ok, type Schemas } from "../../api/client";
import { QueryState } from "../../components/QueryState";
import { useListParams } from "../../components/useListParams";
import { useFormat } from "../../hooks";
import { BranchFilter } from "../../components/BranchFilter";
import { carName } from "../cars/CarsPage";
import { clientName } from "../clients/ClientsPage";
import { dayAt, placement, shift, viewDays, type View } from "./geometry";

type Reservation = Schemas["Reservation"];
type Block = Schemas["Block"];
type Car = Schemas["Car"];

/** The statuses drawn: a cancelled booking or a no-show holds nothing. */
const DRAWN = new Set(["pending_confirmation", "confirmed", "active", "completed"]);

/** Every page of a list (100 a page). */
async function allPages<T>(get: (page: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const first = await get(1);
  const pages = Math.ceil(first.total / 100);
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, n) => get(n + 2)));
  return [first, ...rest].flatMap((p) => p.items);
}

interface Plan {
  cars: Car[];
  reservations: Reservation[];
  blocks: Block[];
}

function usePlan(from: Dayjs, to: Dayjs, branch: string | null) {
  const span = { from: from.toISOString(), to: to.toISOString() };
  return useQuery({
    queryKey: ["calendar", span, branch],
    queryFn: async (): Promise<Plan> => {
      const [cars, reservations, blocks] = await Promise.all([
        allPages((page) =>
          ok(
            api.GET("/api/cars", {
              params: { query: { page, perPage: 100, sort: "make", ...(branch ? { branch } : {}) } },
            }),
          ),
        ),
        allPages((page) => ok(api.GET("/api/reservations", { params: { query: { page, perPage: 100, ...span } } }))),
        allPages((page) => ok(api.GET("/api/blocks", { params: { query: { page, perPage: 100, ...span } } }))),
      ]);
      return { cars, reservations: reservations.filter((r) => DRAWN.has(r.status)), blocks };
    },
  });
}

export function CalendarPage() {
  const { t } = useTranslation();
  const list = useListParams();
  const view = (list.get("view") === "month" ? "month" : "week") as View;
  const anchor = list.get("day") ?? dayjs().format("YYYY-MM-DD");
  const branch = list.get("branch");
  const days = viewDays(view, anchor);
  const from = days[0] ?? dayjs(anchor);
  const to = from.add(days.length, "day");
  const plan = usePlan(from, to, branch);
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={2}>{t("calendar.title")}</Title>
        <Group align="flex-end">
          <BranchFilter value={branch} onChange={(b) => list.set("branch", b)} />
          <SegmentedControl
            aria-label={t("calendar.view")}
            value={view}
            onChange={(v) => list.set("view", v === "month" ? "month" : null)}
            data={[
              { value: "week", label: t("calendar.week") },
              { value: "month", label: t("calendar.month") },
            ]}
          />
          <Button.Group>
            <Button
              variant="default"
              aria-label={t("calendar.previous")}
              onClick={() => list.set("day", shift(view, anchor, -1))}
            >
              <IconChevronLeft size={16} aria-hidden />
            </Button>
            <Button variant="default" onClick={() => list.set("day", null)}>
              {t("calendar.today")}
            </Button>
            <Button
              variant="default"
              aria-label={t("calendar.next")}
              onClick={() => list.set("day", shift(view, anchor, 1))}
            >
              <IconChevronRight size={16} aria-hidden />
            </Button>
          </Button.Group>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        {t("calendar.hint")}
      </Text>
      <Legend />
      <QueryState query={plan}>{(p) => <Grid plan={p} days={days} from={from} to={to} />}</QueryState>
    </Stack>
  );
}

function Legend() {
  const { t } = useTranslation();
  return (
    <Group gap="md" aria-label={t("calendar.legend")}>
      {[...DRAWN].map((status) => (
        <Group key={status} gap={4}>
          <span className={`cal-swatch cal-${status}`} aria-hidden />
          <Text size="sm">{t(`status.reservation.${status}`)}</Text>
        </Group>
      ))}
      <Group gap={4}>
        <span className="cal-swatch cal-block" aria-hidden />
        <Text size="sm">{t("calendar.block")}</Text>
      </Group>
    </Group>
  );
}

function Grid({ plan, days, from, to }: { plan: Plan; days: Dayjs[]; from: Dayjs; to: Dayjs }) {
  const { t } = useTranslation();
  const format = useFormat();
  const byCar = <T extends { carId: string }>(items: T[]) => {
    const map = new Map<string, T[]>();
    for (const item of items) map.set(item.carId, [...(map.get(item.carId) ?? []), item]);
    return map;
  };
  const reservations = byCar(plan.reservations);
  const blocks = byCar(plan.blocks);
  const today = dayjs().format("YYYY-MM-DD");
  if (plan.cars.length === 0) return <Text>{t("calendar.noCars")}</Text>;
  return (
    <div className="cal" style={{ ["--cal-days" as string]: days.length }}>
      <div className="cal-row cal-head">
        <div className="cal-name">{t("calendar.car")}</div>
        <div className="cal-days">
          {days.map((d) => (
            <div key={d.valueOf()} className={d.format("YYYY-MM-DD") === today ? "cal-day cal-today" : "cal-day"}>
              {format.day(d.toDate(), days.length > 7)}
            </div>
          ))}
        </div>
      </div>
      {plan.cars.map((car) => (
        <CarRow
          key={car._id}
          car={car}
          days={days}
          from={from}
          to={to}
          reservations={reservations.get(car._id) ?? []}
          blocks={blocks.get(car._id) ?? []}
        />
      ))}
    </div>
  );
}

function CarRow({
  car,
  days,
  from,
  to,
  reservations,
  blocks,
}: {
  car: Car;
  days: Dayjs[];
  from: Dayjs;
  to: Dayjs;
  reservations: Reservation[];
  blocks: Block[];
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const navigate = useNavigate();
  const book = (e: MouseEvent<HTMLDivElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const day = dayAt((e.clientX - box.left) / box.width, days);
    if (day) navigate(`/reservations/new?carId=${car._id}&start=${day.format("YYYY-MM-DD")}`);
  };
  return (
    <div className="cal-row" data-testid={`cal-row-${car.licensePlate}`}>
      <div className="cal-name">
        <Anchor component={Link} to={`/cars/${car._id}`} size="sm">
          {carName(car)}
        </Anchor>
        <Anchor
          component={Link}
          to={`/reservations/new?carId=${car._id}&start=${from.format("YYYY-MM-DD")}`}
          size="xs"
          className="cal-book"
          aria-label={t("calendar.bookCar", { car: carName(car) })}
        >
          {t("calendar.book")}
        </Anchor>
      </div>
      <div className="cal-days cal-track" onClick={book} title={t("calendar.clickToBook")}>
        {blocks.map((b) => {
          const at = placement(b.start, b.end, from, to);
          return (
            at && (
              <Link
                key={b._id}
                to={`/cars/${car._id}`}
                className="cal-bar cal-block"
                style={{ left: `${at.left}%`, width: `${at.width}%` }}
                onClick={(e) => e.stopPropagation()}
                aria-label={t("calendar.blockLabel", { reason: b.reason })}
              >
                {b.reason}
              </Link>
            )
          );
        })}
        {reservations.map((r) => {
          const at = placement(r.startDate, r.actualReturnDate ?? r.endDate, from, to);
          const label = `${r.reservationNumber} — ${clientName(r.client)} — ${t(`status.reservation.${r.status}`)}`;
          return (
            at && (
              <Link
                key={r._id}
                to={`/reservations/${r._id}`}
                className={`cal-bar cal-${r.status}`}
                style={{ left: `${at.left}%`, width: `${at.width}%` }}
                onClick={(e) => e.stopPropagation()}
                aria-label={label}
                title={`${label} (${format.dateTime(r.startDate)} → ${format.dateTime(r.endDate)})`}
              >
                {clientName(r.client)}
              </Link>
            )
          );
        })}
      </div>
    </div>
  );
}
