// After a change to a reservation, every screen that shows it (or counts it) is refreshed.
import { useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";

type Reservation = Schemas["Reservation"];

/** Puts a fresh reservation in the cache and marks the lists, boards and cars that show it as stale. */
export function useReservationChanged() {
  const queries = useQueryClient();
  return async (fresh: Reservation) => {
    queries.setQueryData(["reservations", "one", fresh._id], fresh);
    await Promise.all(
      [["reservations", "list"], ["dashboard"], ["calendar"], ["clients", "history"], ["cars"], ["audit"]].map(
        (queryKey) => queries.invalidateQueries({ queryKey }),
      ),
    );
  };
}
