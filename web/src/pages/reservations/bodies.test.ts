import { describe, expect, it } from "vitest";
import { extrasParam } from "../booking/ConfirmStep";
import { monthlySeries } from "../dashboard/RevenueChart";
import { emptyInspection, inspectionBody } from "./InspectionFields";
import { returnBody } from "./ReturnModal";

describe("what the desk sends and draws", () => {
  it("sends an inspection only with an odometer reading, and only damage described", () => {
    expect(inspectionBody(emptyInspection("K. Alaoui"))).toBeNull();
    const typed = {
      ...emptyInspection(" K. Alaoui "),
      odometerKm: 12000,
      fuelEighths: "5",
      damage: [
        { zone: "rear" as const, description: "Bosse" },
        { zone: "roof" as const, description: "  " },
      ],
    };
    expect(inspectionBody(typed)).toEqual({
      odometerKm: 12000,
      fuelEighths: 5,
      signedBy: "K. Alaoui",
      damage: [{ zone: "rear", description: "Bosse" }],
    });
  });

  it("sends a return's charges that have a label and an amount, and its time only when changed", () => {
    const values = {
      at: "2026-12-05T10:30",
      charges: [
        { label: " Carburant ", amount: 150 },
        { label: "", amount: 20 },
        { label: "Dommage", amount: "" },
      ],
      inspection: emptyInspection(""),
    };
    expect(returnBody(values, false)).toEqual({
      additionalCharges: [{ label: "Carburant", amount: 150 }],
      inspection: null,
    });
    expect(returnBody(values, true).at).toBe(new Date(2026, 11, 5, 10, 30).toISOString());
  });

  it("asks the quote for each extra once, and charts six months with the empty ones at zero", () => {
    expect(extrasParam([])).toBeUndefined();
    expect(extrasParam(["a", "b"])).toBe("a:1,b:1");
    const rows = [{ key: "2026-10", label: "", reservations: 2, net: 0, tax: 0, gross: 900 }];
    expect(monthlySeries("2026-12", rows)).toEqual([
      { month: "2026-07", gross: 0 },
      { month: "2026-08", gross: 0 },
      { month: "2026-09", gross: 0 },
      { month: "2026-10", gross: 900 },
      { month: "2026-11", gross: 0 },
      { month: "2026-12", gross: 0 },
    ]);
  });
});
