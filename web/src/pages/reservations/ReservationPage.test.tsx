import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { AppRoutes } from "../../routes";
import { CLIENT, reservation } from "../../test/fixtures";
import { json, MANAGER, renderAt, serve } from "../../test/render";

const PATH = `/reservations/${reservation()._id}`;
const ONE = `GET /api/reservations/${reservation()._id}`;

describe("a reservation's page", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("offers only the moves its status allows", async () => {
    serve({ [ONE]: () => json(reservation()) });
    renderAt(<AppRoutes />, PATH);
    expect(await screen.findByRole("heading", { name: "Réservation LC-2026-000042" })).toBeInTheDocument();
    for (const name of ["Remettre la voiture", "Annuler la réservation", "Encaisser un paiement"]) {
      expect(screen.getByRole("button", { name })).toBeInTheDocument();
    }
    // Not yet started: no no-show; already confirmed; not out: no return.
    for (const name of ["Client non présenté", "Confirmer", "Retour de la voiture"]) {
      expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
    }
    expect(screen.getByTestId("total-gross")).toHaveTextContent(/750,00\s*MAD/);
  });

  it("asks for the missing licence at pick-up, saves it on the client, then hands the car over", async () => {
    const requests = serve({
      [ONE]: () => json(reservation()),
      [`GET /api/clients/${CLIENT._id}`]: () => json(CLIENT),
      [`PUT /api/clients/${CLIENT._id}`]: () => json({ ...CLIENT, driverLicenseNumber: "B-1234" }),
      [`PUT /api/reservations/${reservation()._id}/status`]: () =>
        json(reservation({ status: "active", actualPickupDate: "2026-12-01T09:00:00Z" })),
    });
    renderAt(<AppRoutes />, PATH);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Remettre la voiture" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Remettre la voiture" }));
    expect(
      await within(dialog).findByText("Le numéro de permis est obligatoire pour remettre la voiture."),
    ).toBeVisible();
    await user.type(within(dialog).getByLabelText(/N° de permis de conduire/), "B-1234");
    await user.click(within(dialog).getByRole("button", { name: "Remettre la voiture" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    const writes = requests.filter((r) => r.method === "PUT");
    expect(writes.map((r) => new URL(r.url).pathname)).toEqual([
      `/api/clients/${CLIENT._id}`,
      `/api/reservations/${reservation()._id}/status`,
    ]);
    expect(await writes[0]?.json()).toEqual({ driverLicenseNumber: "B-1234" });
    expect(await writes[1]?.json()).toEqual({ status: "active", inspection: null });
  });

  it("explains a pick-up refused by the driver checks", async () => {
    serve({
      [ONE]: () => json(reservation()),
      [`GET /api/clients/${CLIENT._id}`]: () => json({ ...CLIENT, driverLicenseNumber: "B-1234" }),
      [`PUT /api/reservations/${reservation()._id}/status`]: () =>
        json(
          {
            error: "some fields are invalid",
            code: "validation_failed",
            fields: { licenseExpiryDate: "the driving licence expired on 2026-11-30" },
          },
          422,
        ),
    });
    renderAt(<AppRoutes />, PATH);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Remettre la voiture" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Remettre la voiture" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("La remise est refusée");
    expect(alert).toHaveTextContent("Permis valable jusqu'au : Le permis a expiré le 2026-11-30.");
    expect(within(alert).getByRole("link", { name: "Corriger la fiche du client" })).toHaveAttribute(
      "href",
      `/clients/${CLIENT._id}`,
    );
  });

  it("records how damage found at return was dealt with", async () => {
    const requests = serve({
      [ONE]: () => json(reservation({ status: "completed", reviewRequired: true })),
      [`POST /api/reservations/${reservation()._id}/review`]: () =>
        json(reservation({ status: "completed", reviewRequired: false })),
    });
    renderAt(<AppRoutes />, PATH);
    const user = userEvent.setup();
    expect(await screen.findByText(/Des dommages nouveaux ont été notés au retour/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Dommages traités" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(
      within(dialog).getByLabelText(/Comment les dommages ont été traités/),
      "Facturé 1500 pour la portière",
    );
    await user.click(within(dialog).getByRole("button", { name: "Dommages traités" }));
    await waitFor(() => expect(screen.queryByText(/Des dommages nouveaux/)).not.toBeInTheDocument());
    const post = requests.find((r) => r.method === "POST");
    expect(await post?.json()).toEqual({ resolution: "Facturé 1500 pour la portière" });
  });

  it("shows a cancellation fee, which only an admin may waive", async () => {
    const cancelled = reservation({
      status: "cancelled_by_client",
      fee: { kind: "cancellation", amount: 250, waiver: null },
    });
    serve({ [ONE]: () => json(cancelled) }, MANAGER);
    const { unmount } = renderAt(<AppRoutes />, PATH);
    expect(await screen.findByText(/Frais d'annulation : 250,00\s*MAD/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Annuler les frais" })).not.toBeInTheDocument();
    unmount();
    serve({ [ONE]: () => json(cancelled) });
    renderAt(<AppRoutes />, PATH);
    expect(await screen.findByRole("button", { name: "Annuler les frais" })).toBeInTheDocument();
  });
});
