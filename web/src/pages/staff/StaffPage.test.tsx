import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { json, MANAGER, renderAt, serve } from "../../test/render";
import { AppRoutes } from "../../routes";

describe("the staff page", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("deactivates a manager only after asking, and says their sessions end", async () => {
    const requests = serve({
      "GET /api/managers": () => json({ items: [MANAGER], total: 1, page: 1, perPage: 20 }),
      [`PUT /api/managers/${MANAGER._id}`]: () => json({ ...MANAGER, isActive: false }),
    });
    renderAt(<AppRoutes />, "/staff");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Actions : manager" }));
    await user.click(await screen.findByRole("menuitem", { name: "Désactiver" }));
    expect(requests.some((r) => r.method === "PUT")).toBe(false);
    expect(await screen.findByText(/Ses sessions ouvertes seront fermées/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Désactiver" }));
    await waitFor(() => expect(requests.some((r) => r.method === "PUT")).toBe(true));
    const put = requests.find((r) => r.method === "PUT");
    expect(await put?.json()).toEqual({ isActive: false });
    expect(await screen.findByText("Compte désactivé : ses sessions sont fermées.")).toBeInTheDocument();
  });

  it("is not there for a manager", async () => {
    serve({}, MANAGER);
    renderAt(<AppRoutes />, "/staff");
    expect(await screen.findByRole("heading", { name: "Page introuvable" })).toBeInTheDocument();
  });
});
