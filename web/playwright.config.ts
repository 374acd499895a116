// End-to-end tests: Debian's chromium (browsers cannot be downloaded here) drives the
// real `locacar` binary on a fresh SQLite database in a temporary folder.
import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const port = Number(process.env.LOCACAR_E2E_PORT ?? 5391);
const dataDir = mkdtempSync(join(tmpdir(), "locacar-e2e-"));
const binary = process.env.LOCACAR_BIN ?? resolve(import.meta.dirname, "../target/debug/locacar");
export const ADMIN_PASSWORD = "e2e-admin-password";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: "fr-FR",
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      // Without these, chromium keeps trying to reach Google's hosts, which this closed
      // network refuses.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `"${binary}" serve`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      DATABASE_URL: `sqlite://${join(dataDir, "e2e.db")}`,
      LOCACAR_BIND: `127.0.0.1:${port}`,
      LOCACAR_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOCACAR_CURRENCY: "MAD",
    },
  },
});
