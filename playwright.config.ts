import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3107);
export const BASE_URL = `http://localhost:${PORT}`;

// Debian's chromium, never a downloaded browser. The flags keep it off the network.
export default defineConfig({
  testDir: "e2e",
  // Per port, so e2e runs on different ports (and their traces) never trample each other.
  outputDir: `test-results/e2e-${PORT}`,
  // Generous: a loaded CI machine runs scrypt and server actions several times slower; these are waits, not speed checks.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    // Creates a scratch database, then serves the production build from .next-test.
    command: "npx tsx scripts/e2e-server.ts",
    url: `${BASE_URL}/login`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: { E2E_PORT: String(PORT) },
  },
});
