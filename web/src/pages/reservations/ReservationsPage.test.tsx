import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { json, renderAt, serve } from "../../test/render";
import { AppRoutes } from "../../routes";
import { periodQuery } from "./ReservationsPage";

const RESERVATION = {
  _id: "65a1b2c3d4e5f6a7b8c9d0aa",
  reservationNumber: "LC-2026-000042",
  status: "active",
  startDate: "2026-12-01T09:00:00Z",
  endDate: "2026-12-04T09:00:00Z",
  reservationDate: "2026-11-20T10:00:00Z",
  estimatedTotalCost: 751.5,
  finalTotalCost: null,
  paymentDetails: { amountPaid: 500, remaining: 251.5, payments: [] },
  car: { _id: "65a1b2c3d4e5f6a7b8c9d0f1", make: "Dacia", model: "Logan", licensePlate: "12345-A-6" },
  client: { _id: "65a1b2c3d4e5f6a7b8c9d0c1", firstName: "Yasmine", lastName: "Alaoui", phone: "0612345678" },
};

describe("the reservations list", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("shows each rental with its client, car, status and balance", async () => {
    serve({ "GET /api/reservations": () => json({ items: [RESERVATION], total: 1, page: 1, perPage: 20 }) });
    renderAt(<AppRoutes />, "/reservations");
    const row = within(await screen.findByRole("row", { name: /LC-2026-000042/ }));
    expect(row.getByRole("link", { name: "Yasmine Alaoui" })).toHaveAttribute(
      "href",
      "/clients/65a1b2c3d4e5f6a7b8c9d0c1",
    );
    expect(row.getByRole("link", { name: "Dacia Logan (12345-A-6)" })).toBeInTheDocument();
    expect(row.getByText("En cours")).toBeInTheDocument();
    expect(row.getByText(/751,50\s*MAD/)).toBeInTheDocument();
    expect(row.getByText(/251,50\s*MAD/)).toBeInTheDocument();
  });

  it("asks the server with the contract's filters, and a client's link narrows it to them", async () => {
    const requests = serve({ "GET /api/reservations": () => json({ items: [], total: 0, page: 1, perPage: 20 }) });
    renderAt(<AppRoutes />, "/reservations?clientId=65a1b2c3d4e5f6a7b8c9d0c1");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("switch", { name: "En retard seulement" }));
    await waitFor(() => {
      const last = new URL(requests.filter((r) => r.url.includes("/api/reservations")).at(-1)?.url ?? "http://x/");
      expect(last.searchParams.get("overdue")).toBe("true");
      expect(last.searchParams.get("clientId")).toBe("65a1b2c3d4e5f6a7b8c9d0c1");
      expect(last.searchParams.get("sort")).toBe("-startDate");
    });
    await user.click(screen.getByRole("switch", { name: "Dommages à traiter" }));
    await user.click(screen.getByRole("switch", { name: "Reste dû sur une location close" }));
    await waitFor(() => {
      const last = new URL(requests.filter((r) => r.url.includes("/api/reservations")).at(-1)?.url ?? "http://x/");
      expect(last.searchParams.get("reviewRequired")).toBe("true");
      expect(last.searchParams.get("balanceDue")).toBe("true");
    });
    await user.click(screen.getByRole("button", { name: "Un seul client" }));
    await waitFor(() => {
      const last = new URL(requests.filter((r) => r.url.includes("/api/reservations")).at(-1)?.url ?? "http://x/");
      expect(last.searchParams.has("clientId")).toBe(false);
    });
  });

  it("turns the days picked into the window of instants the API takes", () => {
    const { from, to } = periodQuery("2026-12-01", "2026-12-03");
    expect(new Date(from ?? "").getDate()).toBe(1);
    expect(new Date(to ?? "").getDate()).toBe(4);
    expect(new Date(to ?? "").getHours()).toBe(0);
    expect(periodQuery(null, null)).toEqual({});
  });
});
