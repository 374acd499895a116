// What every end-to-end test does: log in and out, move the focus from the keyboard, and
// photograph a screen while checking it with axe.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Locator, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";

export const ARTIFACTS = resolve(import.meta.dirname, "../e2e-artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

/** A screenshot of the screen as an artefact, and no serious or critical axe finding on it. */
export async function checkScreen(page: Page, name: string) {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, `axe on ${name}`).toEqual([]);
}

/** Logs in from the login page; unless told it must fail, waits until the app is open. */
export async function logIn(page: Page, username: string, password: string, { fails = false } = {}) {
  await page.getByLabel(/Identifiant|Username/).fill(username);
  await page.getByLabel(/Mot de passe|Password/).fill(password);
  await page.getByRole("button", { name: /Se connecter|Log in/ }).click();
  if (!fails) await expect(page).not.toHaveURL(/\/login/);
}

/** Presses Tab until `target` has the focus (at most 40 times). */
export async function tabTo(page: Page, target: Locator) {
  await target.waitFor();
  for (let i = 0; i < 40 && !(await target.evaluate((e) => e === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(target).toBeFocused();
}

export async function logOut(page: Page) {
  await page
    .getByRole("link", { name: /Se déconnecter|Log out/ })
    .or(page.getByRole("button", { name: /Se déconnecter|Log out/ }))
    .first()
    .click();
  await expect(page.getByRole("button", { name: /Se connecter|Log in/ })).toBeVisible();
}
