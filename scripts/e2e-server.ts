// Serves the built app for Playwright on a scratch database: a fresh PostgreSQL database
// when the server answers (always under CI=true), else a fresh PGlite folder.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { startMailSink } from "../devtools/mail-sink/sink";
import { generateEmulatorKeys } from "../devtools/stripe-emulator/defaults";

const port = process.env.E2E_PORT ?? "3107";
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const distDir = process.env.NEXT_DIST_DIR ?? ".next-test";

async function scratchDatabase(): Promise<Record<string, string>> {
  const admin = postgres(adminUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await admin`select 1`;
  } catch (err) {
    await admin.end({ timeout: 1 });
    if (process.env.CI === "true") throw new Error(`CI=true but PostgreSQL is not answering at ${adminUrl}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metered-e2e-"));
    console.log(`[e2e] PostgreSQL not reachable; using PGlite in ${dir}`);
    return { PGLITE_DIR: path.join(dir, "pglite") };
  }
  // One database per port, so two e2e runs on one machine (different E2E_PORTs) don't drop each other's.
  const name = `metered_e2e_${port}`;
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return { DATABASE_URL: adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`) };
}

const dbEnv = await scratchDatabase();
// Tests that need the operator CLI (e.g. to set up a nearly spent account) read this.
fs.writeFileSync(path.join(os.tmpdir(), `metered-e2e-${port}.json`), JSON.stringify(dbEnv));

// The Stripe test emulator on a port of its own (not 12111, so a running `npm start` is
// left alone), posting webhooks to this server, with keys made for this run and given to
// both. `next start` runs in production mode, hence the emulator's production opt-in.
const emulatorPort = String(Number(port) + 10_000);
const keys = generateEmulatorKeys();
const emulatorEnv = {
  STRIPE_EMULATOR_URL: `http://127.0.0.1:${emulatorPort}`,
  STRIPE_EMULATOR_SECRET_KEY: keys.secretKey,
  STRIPE_EMULATOR_PUBLISHABLE_KEY: keys.publishableKey,
  STRIPE_EMULATOR_WEBHOOK_SECRET: keys.webhookSecret,
  STRIPE_EMULATOR_IN_PRODUCTION: "1",
};
// Tests that drive the emulator (refunds, disputes) read its URL and secret key here.
fs.writeFileSync(path.join(os.tmpdir(), `metered-e2e-${port}-stripe.json`), JSON.stringify(emulatorEnv));
const emulator = spawn(
  "npx",
  ["tsx", "devtools/stripe-emulator/cli.ts", "--port", emulatorPort, "--webhook-url", `http://127.0.0.1:${port}/api/stripe/webhook`, "--no-state"],
  { stdio: "inherit", env: { ...process.env, ...emulatorEnv } },
);
// The mail sink the e2e tests read verification and reset links from (e2e/fixtures.ts):
// SMTP on E2E_PORT + 20000, its JSON and inbox on E2E_PORT + 21000.
const sink = await startMailSink({ smtpPort: Number(port) + 20_000, httpPort: Number(port) + 21_000 });
console.log(`[e2e] mail sink: ${sink.inboxUrl}`);
if (!fs.existsSync(path.join(distDir, "BUILD_ID"))) {
  throw new Error(`No production build in ${distDir}: run \`npm run build:test\` first.`);
}
const child = spawn("npx", ["next", "start", "-p", port, "-H", "127.0.0.1"], {
  stdio: "inherit",
  env: {
    ...process.env,
    ...dbEnv,
    NEXT_DIST_DIR: distDir,
    NEXT_TELEMETRY_DISABLED: "1",
    AUTH_SECRET: process.env.AUTH_SECRET ?? "e2e-secret-e2e-secret-e2e-secret-e2e-secret",
    AUTH_URL: `http://localhost:${port}`,
    ADMIN_EMAILS: process.env.ADMIN_EMAILS ?? "admin@e2e.test",
    // Every e2e user signs up from 127.0.0.1: lift the per-IP limits (tested in lib/auth/ip-limits.test.ts).
    SIGNUP_LIMIT_PER_HOUR: process.env.SIGNUP_LIMIT_PER_HOUR ?? "100000",
    SIGNIN_LIMIT_PER_MINUTE: process.env.SIGNIN_LIMIT_PER_MINUTE ?? "100000",
    SMTP_URL: sink.smtpUrl,
    // Likewise the billing forms' velocity limits (tested in lib/billing/velocity.test.ts).
    TOPUP_LIMIT_PER_HOUR: process.env.TOPUP_LIMIT_PER_HOUR ?? "100000",
    CARD_SETUP_LIMIT_PER_HOUR: process.env.CARD_SETUP_LIMIT_PER_HOUR ?? "100000",
    APP_URL: process.env.APP_URL ?? `http://localhost:${port}`,
    ...emulatorEnv,
  },
});
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    emulator.kill(sig);
    child.kill(sig);
  });
}
child.on("exit", (code) => {
  emulator.kill("SIGTERM");
  void sink.stop();
  process.exit(code ?? 0);
});
