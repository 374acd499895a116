import { screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { ADMIN, json, MANAGER, renderAt, serve } from "../../test/render";
import { AppRoutes } from "../../routes";

const CAR = {
  _id: "65a1b2c3d4e5f6a7b8c9d0f1",
  make: "Dacia",
  model: "Logan",
  year: 2024,
  licensePlate: "12345-A-6",
  vin: "UU1LSDA0X66123456",
  color: "Blanc",
  status: "maintenance",
  dailyRate: 250.5,
  imageUrl: null,
  description: null,
  addedAt: "2026-03-01T10:00:00Z",
  addedBy: ADMIN._id,
  updatedAt: "2026-03-01T10:00:00Z",
  updatedBy: ADMIN._id,
};

const LIST = { "GET /api/cars": () => json({ items: [CAR], total: 1, page: 1, perPage: 20 }) };

describe("the fleet", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("lists cars with their status in words and their rate in the agency's currency", async () => {
    serve(LIST, ADMIN);
    renderAt(<AppRoutes />, "/cars");
    expect(await screen.findByRole("link", { name: "Dacia Logan" })).toHaveAttribute(
      "href",
      "/cars/65a1b2c3d4e5f6a7b8c9d0f1",
    );
    const row = within(screen.getByRole("row", { name: /Dacia Logan/ }));
    expect(row.getByText("En maintenance")).toBeInTheDocument();
    expect(row.getByText(/250,50\s*MAD/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /Nouvelle voiture/ })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /Équipe/ })).toBeInTheDocument();
  });

  it("shows a manager neither the admin's buttons nor the staff page", async () => {
    serve({ ...LIST, "GET /api/cars/{id}": () => json(CAR) }, MANAGER);
    renderAt(<AppRoutes />, "/cars");
    await screen.findByRole("link", { name: "Dacia Logan" });
    expect(screen.queryByRole("link", { name: /Nouvelle voiture/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: /Équipe/ })).not.toBeInTheDocument();
  });
});
