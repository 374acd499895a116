import { screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { AppRoutes } from "../../routes";
import { reservation } from "../../test/fixtures";
import { json, renderAt, serve } from "../../test/render";

const late = reservation({ status: "active" });
const rental = {
  _id: late._id,
  reservationNumber: late.reservationNumber,
  status: "active",
  at: late.endDate,
  car: late.car,
  client: late.client,
};
const empty = { count: 0, items: [] };

describe("the dashboard", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("counts the day's work, each count leading to its list", async () => {
    serve({
      "GET /api/dashboard": () =>
        json({
          date: "2026-12-05",
          timezone: "Africa/Casablanca",
          pickups: empty,
          returns: empty,
          overdue: { count: 1, items: [rental] },
          awaitingConfirmation: empty,
          carsByStatus: { available: 12, rented: 5, maintenance: 1, outOfService: 0 },
          month: {
            month: "2026-12",
            rentedCarDays: 14.5,
            availableCarDays: 468.9,
            utilisation: 0.0309,
            revenue: 1234.5,
          },
        }),
      "GET /api/reports/revenue": () =>
        json({
          from: "2026-07-01",
          to: "2026-12-31",
          groupBy: "month",
          rows: [],
          reservations: 0,
          net: 0,
          tax: 0,
          gross: 0,
        }),
    });
    renderAt(<AppRoutes />, "/");
    expect(await screen.findByTestId("count-overdue")).toHaveTextContent("1");
    expect(screen.getByRole("link", { name: "Voir la liste : locations en retard" })).toHaveAttribute(
      "href",
      "/reservations?overdue=true",
    );
    expect(screen.getByRole("link", { name: "Voir la liste : départs du jour" })).toHaveAttribute(
      "href",
      "/reservations?sort=startDate&from=2026-12-05&to=2026-12-05",
    );
    expect(screen.getByRole("link", { name: "En maintenance" })).toHaveAttribute("href", "/cars?status=maintenance");
    expect(screen.getByTestId("fleet-maintenance")).toHaveTextContent("1");
    expect(screen.getByTestId("month-revenue")).toHaveTextContent(/1\s234,50\s*MAD/);
    expect(screen.getByText("3,1 %")).toBeInTheDocument();
    const overdue = screen.getByRole("heading", { name: "Locations en retard" }).closest("div");
    expect(within(overdue as HTMLElement).getByRole("link", { name: "LC-2026-000042" })).toHaveAttribute(
      "href",
      `/reservations/${late._id}`,
    );
  });
});
