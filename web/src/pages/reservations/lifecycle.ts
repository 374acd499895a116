// The contract's life cycle of a reservation, as the desk offers it: only the moves the
// server would accept from the current status are shown as buttons.
import type { Schemas } from "../../api/client";

export type ReservationStatus = Schemas["ReservationStatus"];

export const RESERVATION_STATUSES: readonly ReservationStatus[] = [
  "pending_confirmation",
  "confirmed",
  "active",
  "completed",
  "cancelled_by_client",
  "cancelled_by_agency",
  "no_show",
];

const MOVES: Record<ReservationStatus, ReservationStatus[]> = {
  pending_confirmation: ["confirmed", "cancelled_by_client", "cancelled_by_agency"],
  confirmed: ["active", "cancelled_by_client", "cancelled_by_agency", "no_show"],
  active: ["completed"],
  completed: [],
  cancelled_by_client: [],
  cancelled_by_agency: [],
  no_show: [],
};

/** The moves allowed from `status` at `now`: a no-show only once the start has passed. */
export function nextMoves(status: ReservationStatus, startDate: string, now: Date = new Date()): ReservationStatus[] {
  return MOVES[status].filter((to) => to !== "no_show" || new Date(startDate) <= now);
}

/** An `<input type="datetime-local">` value for an instant, in the browser's time zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The instant an `<input type="datetime-local">` names (local time), as the API's RFC 3339; null if empty or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
