import { screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { AppRoutes } from "../../routes";
import { CAR, reservation } from "../../test/fixtures";
import { json, renderAt, serve } from "../../test/render";

describe("the fleet calendar", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("draws each car's bookings and blocks in the week, and asks for the week's window", async () => {
    const booked = reservation({ startDate: "2026-12-01T09:00:00Z", endDate: "2026-12-03T09:00:00Z" });
    const cancelled = reservation({ _id: "65a1b2c3d4e5f6a7b8c9d0ab", status: "cancelled_by_client" });
    const block = {
      _id: "65a1b2c3d4e5f6a7b8c9d0b1",
      carId: CAR._id,
      start: "2026-12-04T08:00:00Z",
      end: null,
      reason: "Vidange",
      createdAt: "2026-12-01T00:00:00Z",
      updatedAt: "2026-12-01T00:00:00Z",
    };
    const requests = serve({
      "GET /api/cars": () => json({ items: [CAR], total: 1, page: 1, perPage: 100 }),
      "GET /api/reservations": () => json({ items: [booked, cancelled], total: 2, page: 1, perPage: 100 }),
      "GET /api/blocks": () => json({ items: [block], total: 1, page: 1, perPage: 100 }),
    });
    renderAt(<AppRoutes />, "/calendar?day=2026-12-03");
    const row = within(await screen.findByTestId(`cal-row-${CAR.licensePlate}`));
    const bar = row.getByRole("link", { name: /LC-2026-000042 — Yasmine Alaoui — Confirmée/ });
    expect(bar).toHaveAttribute("href", `/reservations/${booked._id}`);
    expect(row.getAllByRole("link", { name: /LC-2026-000042/ })).toHaveLength(1);
    expect(row.getByRole("link", { name: "Immobilisée : Vidange" })).toHaveAttribute("href", `/cars/${CAR._id}`);
    expect(row.getByRole("link", { name: `Réserver Dacia Logan (${CAR.licensePlate})` })).toHaveAttribute(
      "href",
      `/reservations/new?carId=${CAR._id}&start=2026-11-30`,
    );
    const asked = new URL(requests.find((r) => r.url.includes("/api/blocks"))?.url ?? "http://x/");
    expect(new Date(asked.searchParams.get("from") ?? "").getDate()).toBe(30);
    expect(new Date(asked.searchParams.get("to") ?? "").getDate()).toBe(7);
  });
});
