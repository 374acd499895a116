import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { json, renderAt, serve } from "../../test/render";
import { AppRoutes } from "../../routes";

describe("a new car", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("shows the server's refusals next to their inputs and keeps what was typed", async () => {
    const requests = serve({
      "POST /api/cars": () =>
        json(
          {
            error: "another car already has this licence plate",
            code: "conflict",
            fields: { licensePlate: "another car already has this licence plate" },
          },
          409,
        ),
    });
    renderAt(<AppRoutes />, "/cars/new");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Marque/), "Renault");
    await user.type(screen.getByLabelText(/Modèle/), "Clio");
    await user.type(screen.getByLabelText(/Immatriculation/), "12345-A-6");
    await user.type(screen.getByLabelText(/VIN/), "VF1RJA00X12345678");
    await user.type(screen.getByLabelText(/Tarif journalier/), "300");
    await user.click(screen.getByRole("button", { name: "Créer" }));

    const plate = screen.getByLabelText(/Immatriculation/);
    expect(await screen.findByText("Une autre voiture porte déjà cette immatriculation.")).toBeInTheDocument();
    expect(plate).toHaveAttribute("aria-invalid", "true");
    expect(plate).toHaveValue("12345-A-6");
    expect(screen.getByLabelText(/Marque/)).toHaveValue("Renault");

    const sent = requests.find((r) => r.method === "POST");
    expect(await sent?.json()).toMatchObject({
      make: "Renault",
      licensePlate: "12345-A-6",
      dailyRate: 300,
      status: "available",
    });
  });
});
