// Renders a piece of the app as the browser would, against a stand-in for the server.
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";
import { vi } from "vitest";
import { AuthProvider } from "../auth/AuthProvider";
import "../i18n";
import { makeQueryClient, Providers } from "../Providers";

type Handler = (request: Request) => Response | Promise<Response>;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export const ADMIN = {
  _id: "65a1b2c3d4e5f6a7b8c9d0e1",
  username: "admin",
  role: "admin",
  fullName: "Amina Admin",
  isActive: true,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};
export const MANAGER = {
  ...ADMIN,
  _id: "65a1b2c3d4e5f6a7b8c9d0e2",
  username: "manager",
  role: "manager",
  fullName: "Mehdi Manager",
};

/**
 * Answers the app's requests from `routes` ("GET /api/cars" → handler); the session
 * and the settings are answered unless a route says otherwise. Returns the requests made.
 */
export function serve(routes: Record<string, Handler>, user: object | null = ADMIN): Request[] {
  const seen: Request[] = [];
  const defaults: Record<string, Handler> = {
    "GET /api/auth/status": () => json(user ? { authenticated: true, user } : { authenticated: false }),
    "GET /api/meta": () => json({ name: "LocaCar", version: "1", currency: "MAD", gracePeriodMinutes: 60 }),
  };
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    seen.push(request.clone());
    const path = new URL(request.url).pathname;
    const handler = routes[`${request.method} ${path}`] ?? defaults[`${request.method} ${path}`];
    return handler ? handler(request) : json({ error: "no such route", code: "not_found" }, 404);
  });
  return seen;
}

export function renderAt(ui: ReactElement, path = "/") {
  return render(
    <Providers client={makeQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <AuthProvider>{ui}</AuthProvider>
      </MemoryRouter>
    </Providers>,
  );
}
