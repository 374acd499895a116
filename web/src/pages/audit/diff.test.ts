import { describe, expect, it } from "vitest";
import { diffEntries, show } from "./diff";

describe("an audit entry's before and after", () => {
  it("lists only the fields that changed, by name", () => {
    const before = { status: "confirmed", notes: null, paymentDetails: { amountPaid: 0 }, make: "Dacia" };
    const after = { status: "active", notes: "Clés remises", paymentDetails: { amountPaid: 0 }, make: "Dacia" };
    expect(diffEntries(before, after)).toEqual([
      { field: "notes", before: "—", after: "Clés remises" },
      { field: "status", before: "confirmed", after: "active" },
    ]);
  });

  it("shows a creation and a deletion field by field", () => {
    expect(diffEntries(null, { make: "Dacia", year: 2024 })).toEqual([
      { field: "make", before: "—", after: "Dacia" },
      { field: "year", before: "—", after: "2024" },
    ]);
    expect(diffEntries({ phone: "0612" }, undefined)).toEqual([{ field: "phone", before: "0612", after: "—" }]);
    expect(show({ amount: 1 })).toBe('{"amount":1}');
  });
});
