import { describe, expect, it } from "vitest";
import { ratesBody } from "../cars/RatesCard";
import { hoursText } from "./BranchesPanel";

describe("the agency's set-up", () => {
  it("writes opening hours one line per open day, in week order, periods by time", () => {
    const periods = [
      { day: "tuesday" as const, opens: "14:00", closes: "18:00" },
      { day: "monday" as const, opens: "08:30", closes: "12:30" },
      { day: "tuesday" as const, opens: "08:30", closes: "12:30" },
    ];
    expect(hoursText(periods, (d) => d.slice(0, 3))).toEqual(["mon 08:30–12:30", "tue 08:30–12:30, 14:00–18:00"]);
  });

  it("sends a rate plan with the empty long-rental rates as none", () => {
    expect(
      ratesBody({
        daily: 300,
        weekly: "",
        monthly: 220,
        deposit: "",
        seasons: [{ name: " Été ", firstDay: "2027-07-01", lastDay: "2027-08-31", daily: 380 }],
      }),
    ).toEqual({
      base: { daily: 300, weekly: null, monthly: 220 },
      deposit: 0,
      seasons: [{ name: "Été", firstDay: "2027-07-01", lastDay: "2027-08-31", rates: { daily: 380 } }],
    });
  });
});
