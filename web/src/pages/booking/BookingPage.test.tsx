import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { AppRoutes } from "../../routes";
import { CAR, CLIENT, reservation } from "../../test/fixtures";
import { json, renderAt, serve } from "../../test/render";
import { initialPeriod } from "./BookingPage";
import { looksLikePhone } from "./ClientStep";

const OTHER = { ...CAR, _id: "65a1b2c3d4e5f6a7b8c9d0f2", make: "Renault", model: "Clio", licensePlate: "777-B-1" };

function quote(carId: string, gross: number) {
  return {
    carId,
    available: true,
    start: "2099-12-01T09:00:00Z",
    end: "2099-12-02T09:00:00Z",
    billableDays: 1,
    priceBasis: "inclusive",
    vatRate: 20,
    lines: [{ kind: "rental", label: "Location", quantity: 1, unitPrice: gross, net: gross, tax: 0, gross }],
    total: { net: gross, tax: 0, gross },
    deposit: 0,
  };
}

describe("booking", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("starts on the day picked on the calendar at 9:00, for one day", () => {
    expect(initialPeriod("2026-12-07")).toEqual({ start: "2026-12-07T09:00", end: "2026-12-08T09:00" });
    const now = new Date(2026, 11, 5, 14, 20);
    expect(initialPeriod(null, now)).toEqual({ start: "2026-12-05T15:00", end: "2026-12-06T15:00" });
    expect(looksLikePhone("06 12-34.56 78")).toBe(true);
    expect(looksLikePhone("Alaoui")).toBe(false);
  });

  it("on a clash at confirmation, says why and offers the cars still free", async () => {
    let taken = false;
    serve({
      "GET /api/cars/available": () => {
        const items = taken ? [OTHER] : [CAR, OTHER];
        return json({ items, total: items.length, page: 1, perPage: 20 });
      },
      "GET /api/quote": (r) => {
        const carId = new URL(r.url).searchParams.get("carId") ?? "";
        return json(quote(carId, carId === CAR._id ? 250 : 300));
      },
      "GET /api/clients": () => json({ items: [CLIENT], total: 1, page: 1, perPage: 10 }),
      "GET /api/branches": () => json({ items: [] }),
      "GET /api/extras": () => json({ items: [] }),
      "POST /api/reservations": async (r) => {
        const body = (await r.json()) as { carId: string };
        if (body.carId === CAR._id) {
          taken = true;
          return json(
            {
              error: "the car is already held (reserved or blocked) for an overlapping period",
              code: "conflict",
              fields: { carId: "the car is already held (reserved or blocked) for an overlapping period" },
            },
            409,
          );
        }
        return json(reservation({ carId: OTHER._id }), 201);
      },
      [`GET /api/reservations/${reservation()._id}`]: () => json(reservation({ carId: OTHER._id })),
    });
    renderAt(<AppRoutes />, `/reservations/new?carId=${CAR._id}&start=2099-12-01`);
    const user = userEvent.setup();
    expect(await screen.findByText(/250,00\s*MAD pour 1 jour/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Choisir Dacia Logan (12345-A-6)" }));
    await user.type(screen.getByLabelText(/Téléphone ou nom du client/), "0612345678");
    await user.click(screen.getByRole("button", { name: "Trouver" }));
    await user.click(await screen.findByRole("button", { name: "Choisir Yasmine Alaoui" }));
    await user.click(await screen.findByRole("button", { name: "Réserver" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Voiture prise entre-temps");
    expect(alert).toHaveTextContent("Dacia Logan (12345-A-6) vient d'être réservée");
    await waitFor(() =>
      expect(screen.queryByRole("button", { name: "Choisir Dacia Logan (12345-A-6)" })).not.toBeInTheDocument(),
    );
    // The client chosen stays: another car leads straight back to the confirmation.
    await user.click(screen.getByRole("button", { name: "Choisir Renault Clio (777-B-1)" }));
    await user.click(await screen.findByRole("button", { name: "Réserver" }));
    expect(await screen.findByRole("heading", { name: "Réservation LC-2026-000042" })).toBeInTheDocument();
  });
});
