import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { json, renderAt, serve } from "../../test/render";
import { AppRoutes } from "../../routes";

describe("the clients page", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("en");
  });

  it("starts with the phone search, and offers to create the client it did not find", async () => {
    const requests = serve({
      "GET /api/clients": (r) =>
        json({ items: [], total: new URL(r.url).searchParams.has("phone") ? 0 : 3, page: 1, perPage: 20 }),
    });
    renderAt(<AppRoutes />, "/clients");
    const phone = await screen.findByLabelText(/Client's phone/);
    expect(phone).toHaveFocus();
    const user = userEvent.setup();
    await user.type(phone, "06 12-34.56.78");
    await user.click(screen.getByRole("button", { name: "Find" }));
    expect(await screen.findByText("No client with the number 06 12-34.56.78.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Create a client with this number" })).toHaveAttribute(
      "href",
      "/clients/new?phone=06%2012-34.56.78",
    );
    const searched = requests.map((r) => new URL(r.url)).find((u) => u.searchParams.has("phone"));
    expect(searched?.searchParams.get("phone")).toBe("06 12-34.56.78");
  });
});
