// Where things go on the fleet calendar: the days a view shows and where a booking's bar
// starts and ends across them. Pure, so that it is tested without a browser.
import dayjs, { type Dayjs } from "dayjs";

export type View = "week" | "month";

/** The days a view shows around `anchor` (a YYYY-MM-DD day): its week from Monday, or its month. */
export function viewDays(view: View, anchor: string): Dayjs[] {
  const day = dayjs(anchor);
  const first = view === "week" ? day.subtract((day.day() + 6) % 7, "day") : day.startOf("month");
  const count = view === "week" ? 7 : first.daysInMonth();
  return Array.from({ length: count }, (_, n) => first.add(n, "day"));
}

/** The anchor of the previous or next week or month. */
export function shift(view: View, anchor: string, by: 1 | -1): string {
  return dayjs(anchor).add(by, view).format("YYYY-MM-DD");
}

/** A bar's left edge and width, in percent of the row, or null if it is outside the view. */
export function placement(
  start: string,
  end: string | null | undefined,
  from: Dayjs,
  to: Dayjs,
): { left: number; width: number } | null {
  const span = to.valueOf() - from.valueOf();
  const s = Math.max(dayjs(start).valueOf(), from.valueOf());
  const e = Math.min(end ? dayjs(end).valueOf() : to.valueOf(), to.valueOf());
  if (e <= s) return null;
  return { left: ((s - from.valueOf()) / span) * 100, width: ((e - s) / span) * 100 };
}

/** The day under a click at `fraction` (0 to 1) of the row's width. */
export function dayAt(fraction: number, days: Dayjs[]): Dayjs | undefined {
  const n = Math.min(days.length - 1, Math.max(0, Math.floor(fraction * days.length)));
  return days[n];
}
