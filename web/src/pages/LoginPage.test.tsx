import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../i18n";
import { json, renderAt, serve } from "../test/render";
import { AppRoutes } from "../routes";

describe("the login page", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  async function logIn(password: string) {
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Identifiant/), "admin");
    await user.type(screen.getByLabelText(/Mot de passe/), password);
    await user.click(screen.getByRole("button", { name: "Se connecter" }));
  }

  it("says when to try again once logins are throttled", async () => {
    serve(
      {
        "POST /api/auth/login": () =>
          json({ error: "too many requests", code: "too_many_requests" }, 429, { "Retry-After": "30" }),
      },
      null,
    );
    renderAt(<AppRoutes />, "/login");
    await logIn("whatever1");
    expect(await screen.findByRole("alert")).toHaveTextContent("Trop de tentatives échouées. Réessayez dans 30 s.");
  });

  it("tells a wrong password apart from a deactivated account", async () => {
    let status = 401;
    serve(
      {
        "POST /api/auth/login": () =>
          json({ error: "nope", code: status === 401 ? "unauthenticated" : "forbidden" }, status),
      },
      null,
    );
    renderAt(<AppRoutes />, "/login");
    await logIn("wrong-password");
    expect(await screen.findByRole("alert")).toHaveTextContent("Identifiant ou mot de passe incorrect.");
    status = 403;
    await logIn("right-password");
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Ce compte est désactivé."));
  });

  it("brings a visitor back to the page they asked for", async () => {
    serve(
      {
        "POST /api/auth/login": () =>
          json({
            user: {
              _id: "65a1b2c3d4e5f6a7b8c9d0e1",
              username: "admin",
              role: "admin",
              fullName: "A",
              isActive: true,
              createdAt: "2026-01-01T00:00:00Z",
              updatedAt: "2026-01-01T00:00:00Z",
            },
          }),
        "GET /api/clients": () => json({ items: [], total: 0, page: 1, perPage: 20 }),
      },
      null,
    );
    renderAt(<AppRoutes />, "/clients");
    await logIn("admin12345");
    expect(await screen.findByRole("heading", { name: "Clients" })).toBeInTheDocument();
  });

  it("sends a visitor whose session ended to the login page, which says why", async () => {
    serve({ "GET /api/clients": () => json({ error: "not logged in", code: "unauthenticated" }, 401) });
    renderAt(<AppRoutes />, "/clients");
    expect(await screen.findByText(/Votre session a expiré/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Se connecter" })).toBeInTheDocument();
  });

  it("only ever returns to a page of this app", async () => {
    const { safeNext } = await import("./LoginPage");
    expect(safeNext("/cars?page=2")).toBe("/cars?page=2");
    expect(safeNext("//evil.example/")).toBe("/");
    expect(safeNext("https://evil.example/")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
