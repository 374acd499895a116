// How fast the fleet calendar draws a chain-sized month: seeds 200 cars and 10,000
// rentals with `locacar seed`, starts the server, and times, in Debian's chromium, the
// month view from navigation to the last car's row, then a move to the next month.
// Usage (from the repository): node bench/web/calendar.mjs [path/to/locacar]
// Figures only; nothing is judged (BENCHMARKS.md, "Fleet calendar").
import { chromium } from "../../web/node_modules/@playwright/test/index.mjs";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const binary = resolve(process.argv[2] ?? "target/release/locacar");
const dir = mkdtempSync(join(tmpdir(), "locacar-calendar-"));
const port = 5394;
const env = { ...process.env, DATABASE_URL: `sqlite://${join(dir, "bench.db")}`, LOCACAR_BIND: `127.0.0.1:${port}` };

execFileSync(binary, ["seed", "--cars", "200", "--clients", "2000", "--reservations", "10000"], { env, stdio: "inherit" });
const server = spawn(binary, ["serve"], { env, stdio: "ignore" });
try {
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok).catch(() => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${port}/login`);
  await page.getByLabel(/Identifiant/).fill("manager");
  await page.getByLabel(/Mot de passe/).fill("manager123");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`http://127.0.0.1:${port}/`);
  const rows = () => page.waitForFunction(() => document.querySelectorAll("[data-testid^=cal-row-]").length === 200);
  for (const round of [1, 2, 3]) {
    let started = Date.now();
    await page.goto(`http://127.0.0.1:${port}/calendar?view=month`);
    await rows();
    const first = Date.now() - started;
    const bars = await page.locator(".cal-bar").count();
    started = Date.now();
    await page.getByRole("button", { name: "Période précédente" }).click();
    await page.waitForFunction((n) => document.querySelectorAll(".cal-bar").length !== n, bars);
    await rows();
    const previous = Date.now() - started;
    console.log(`round ${round}: month view ${first} ms (200 rows, ${bars} bars); previous month ${previous} ms`);
  }
  await browser.close();
} finally {
  server.kill();
}
