import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { AppRoutes } from "../../routes";
import { json, MANAGER, renderAt, serve } from "../../test/render";

const ENTRY = {
  _id: "65a1b2c3d4e5f6a7b8c9d0e9",
  timestamp: "2026-12-05T10:00:00Z",
  userId: "65a1b2c3d4e5f6a7b8c9d0e1",
  userUsername: "admin",
  action: "UPDATE_RESERVATION_STATUS",
  entityType: "Reservation",
  entityId: "65a1b2c3d4e5f6a7b8c9d0aa",
  details: { ipAddress: "127.0.0.1", userAgent: "test", changedFields: ["status", "actualPickupDate"] },
  before: { status: "confirmed", actualPickupDate: null, lastModifiedAt: "a" },
  after: { status: "active", actualPickupDate: "2026-12-05T10:00:00Z", lastModifiedAt: "b" },
};

describe("the audit viewer", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("fr");
  });

  it("filters by document and shows an entry's fields before and after", async () => {
    const requests = serve({ "GET /api/audit": () => json({ items: [ENTRY], total: 1, page: 1, perPage: 25 }) });
    renderAt(<AppRoutes />, `/audit?entityId=${ENTRY.entityId}`);
    const row = await screen.findByRole("row", { name: /UPDATE_RESERVATION_STATUS/ });
    expect(row).toHaveTextContent("status, actualPickupDate");
    expect(within(row).getByRole("link", { name: ENTRY.entityId })).toHaveAttribute(
      "href",
      `/reservations/${ENTRY.entityId}`,
    );
    expect(
      new URL(requests.find((r) => r.url.includes("/api/audit"))?.url ?? "http://x/").searchParams.get("entityId"),
    ).toBe(ENTRY.entityId);
    await userEvent.setup().click(within(row).getByRole("button", { name: "Détail" }));
    const diff = screen.getByRole("table", { name: "Avant et après : UPDATE_RESERVATION_STATUS" });
    expect(within(diff).getByRole("row", { name: /^status/ })).toHaveTextContent(/confirmed\s*active/);
    expect(within(diff).queryByText("lastModifiedAt")).not.toBeInTheDocument();
  });

  it("is the admins' only", async () => {
    serve({}, MANAGER);
    renderAt(<AppRoutes />, "/audit");
    expect(await screen.findByRole("heading", { name: "Page introuvable" })).toBeInTheDocument();
  });
});
