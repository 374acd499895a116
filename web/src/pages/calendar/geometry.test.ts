import dayjs from "dayjs";
import { describe, expect, it } from "vitest";
import { dayAt, placement, shift, viewDays } from "./geometry";

describe("the fleet calendar's geometry", () => {
  it("shows a week from Monday, or a whole month", () => {
    const week = viewDays("week", "2026-12-03");
    expect(week.map((d) => d.format("YYYY-MM-DD"))).toEqual([
      "2026-11-30",
      "2026-12-01",
      "2026-12-02",
      "2026-12-03",
      "2026-12-04",
      "2026-12-05",
      "2026-12-06",
    ]);
    expect(viewDays("week", "2026-12-06")[0]?.format("YYYY-MM-DD")).toBe("2026-11-30");
    const month = viewDays("month", "2027-02-15");
    expect(month).toHaveLength(28);
    expect(month[0]?.format("YYYY-MM-DD")).toBe("2027-02-01");
    expect(shift("month", "2026-12-31", 1)).toBe("2027-01-31");
    expect(shift("week", "2026-12-03", -1)).toBe("2026-11-26");
  });

  it("places a bar over the part of the view it covers", () => {
    const from = dayjs("2026-12-01T00:00:00");
    const to = dayjs("2026-12-05T00:00:00");
    expect(
      placement(dayjs("2026-12-02T00:00:00").toISOString(), dayjs("2026-12-03T00:00:00").toISOString(), from, to),
    ).toEqual({
      left: 25,
      width: 25,
    });
    // Cut at the view's edges; an open block runs to the end.
    expect(placement(dayjs("2026-11-20T00:00:00").toISOString(), null, from, to)).toEqual({ left: 0, width: 100 });
    expect(
      placement(dayjs("2026-12-05T00:00:00").toISOString(), dayjs("2026-12-06T00:00:00").toISOString(), from, to),
    ).toBeNull();
  });

  it("finds the day under a click", () => {
    const days = viewDays("week", "2026-12-03");
    expect(dayAt(0, days)?.format("DD")).toBe("30");
    expect(dayAt(0.5, days)?.format("DD")).toBe("03");
    expect(dayAt(1, days)?.format("DD")).toBe("06");
  });
});
