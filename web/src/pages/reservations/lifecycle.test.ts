import { describe, expect, it } from "vitest";
import { fromLocalInput, nextMoves, toLocalInput } from "./lifecycle";

describe("the life cycle the desk offers", () => {
  const start = "2026-12-10T09:00:00Z";

  it("offers only the contract's moves from each status", () => {
    const before = new Date("2026-12-01T00:00:00Z");
    expect(nextMoves("pending_confirmation", start, before)).toEqual([
      "confirmed",
      "cancelled_by_client",
      "cancelled_by_agency",
    ]);
    expect(nextMoves("active", start, before)).toEqual(["completed"]);
    expect(nextMoves("completed", start, before)).toEqual([]);
    expect(nextMoves("no_show", start, before)).toEqual([]);
  });

  it("offers a no-show only once the start has passed", () => {
    expect(nextMoves("confirmed", start, new Date("2026-12-10T08:59:00Z"))).not.toContain("no_show");
    expect(nextMoves("confirmed", start, new Date("2026-12-10T09:00:00Z"))).toContain("no_show");
  });

  it("reads and writes the browser's local date-time inputs", () => {
    const date = new Date(2026, 11, 7, 9, 30);
    expect(toLocalInput(date)).toBe("2026-12-07T09:30");
    expect(fromLocalInput("2026-12-07T09:30")).toBe(date.toISOString());
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("not a date")).toBeNull();
  });
});
