// `npm start`: the app on its embedded defaults. With nothing configured that means the
// PGlite database in .data/pglite, the in-process rate limiter, local model simulators and
// the Stripe test emulator (devtools/stripe-emulator, started here on 127.0.0.1:12111).
// Builds first when the sources are newer than the last build. Set PORT to change the port
// (default 3000).
//
// Payments: real Stripe when STRIPE_SECRET_KEY (and its two companions) are set. Otherwise
// the emulator, with keys made once per installation (.data/stripe-emulator-keys.json) and
// given to both processes, unless NODE_ENV=production: an operator's production run takes
// no payments until Stripe is configured, or runs the emulator only when told to with
// STRIPE_EMULATOR_IN_PRODUCTION=1 (the app then warns at start). `next start` always runs
// with NODE_ENV=production, so for a local run this script sets that opt-in itself.
import { randomBytes } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { newestSourceMtime } from "./build-sources.mjs";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
const port = process.env.PORT ?? "3000";
const url = `http://localhost:${port}`;
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PORT: port };
// Links in API errors and docs come from APP_URL, which production requires (lib/env.ts):
// an operator's NODE_ENV=production run must set it; a local run gets this address.
const production = process.env.NODE_ENV === "production";
if (!production) env.APP_URL ||= url;
const distDir = process.env.NEXT_DIST_DIR ?? ".next";
// The CLIs run directly under this node, not through `npx`: a signal sent to this process
// (kill, a process manager) must reach them, and npx's shell wrapper does not pass SIGTERM
// on, which left next-server running, holding the embedded database's lock.
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
const tsxBin = path.join(root, "node_modules/tsx/dist/cli.mjs");

const buildId = path.join(distDir, "BUILD_ID");
const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
if (!built || newestSourceMtime(root) > built) {
  console.log("Building the app (next build)…");
  const r = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The emulator's keys for this installation: made once, kept beside the auth secret. */
function emulatorKeys() {
  const file = path.join(root, ".data", "stripe-emulator-keys.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    const token = (n) => randomBytes(n).toString("base64url").replace(/[-_]/g, "x");
    const keys = { secretKey: `sk_test_emu_${token(24)}`, publishableKey: `pk_test_emu_${token(24)}`, webhookSecret: `whsec_${token(32)}` };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
    return keys;
  }
}

const children = [];
// Email: without SMTP_URL, a local run's mail goes to the mail sink (devtools/mail-sink),
// read in a browser inbox (MAIL_SINK_SMTP_PORT / MAIL_SINK_HTTP_PORT move it). A production
// run (NODE_ENV=production) must set SMTP_URL: the app refuses to start without it.
let inboxUrl = null;
if (!process.env.SMTP_URL && !production) {
  const smtpPort = process.env.MAIL_SINK_SMTP_PORT ?? "1025";
  const httpPort = process.env.MAIL_SINK_HTTP_PORT ?? "1080";
  env.SMTP_URL = `smtp://127.0.0.1:${smtpPort}`;
  inboxUrl = `http://localhost:${httpPort}`;
  children.push(spawn(process.execPath, [tsxBin, "devtools/mail-sink/cli.ts", "--smtp-port", smtpPort, "--http-port", httpPort], { stdio: "inherit", env }));
}
const emulatorWanted = !process.env.STRIPE_SECRET_KEY && (!production || process.env.STRIPE_EMULATOR_IN_PRODUCTION === "1");
if (emulatorWanted) {
  const emulatorPort = process.env.STRIPE_EMULATOR_PORT ?? "12111";
  const keys = emulatorKeys();
  Object.assign(env, {
    STRIPE_EMULATOR_URL: env.STRIPE_EMULATOR_URL ?? `http://127.0.0.1:${emulatorPort}`,
    STRIPE_EMULATOR_SECRET_KEY: keys.secretKey,
    STRIPE_EMULATOR_PUBLISHABLE_KEY: keys.publishableKey,
    STRIPE_EMULATOR_WEBHOOK_SECRET: keys.webhookSecret,
    STRIPE_EMULATOR_IN_PRODUCTION: "1",
  });
  children.push(
    spawn(
      process.execPath,
      [tsxBin, "devtools/stripe-emulator/cli.ts", "--port", emulatorPort, "--webhook-url", `http://127.0.0.1:${port}/api/stripe/webhook`],
      {
        stdio: "inherit",
        env,
      },
    ),
  );
} else if (!process.env.STRIPE_SECRET_KEY) {
  console.log("[metered] NODE_ENV=production and no Stripe keys: payments are off (no emulator started).");
}
const app = spawn(process.execPath, [nextBin, "start", "-p", port], { stdio: ["inherit", "pipe", "inherit"], env });
children.push(app);
app.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes("database ready")) {
    console.log(
      `\n  Metered is running: open ${url}\n  (embedded defaults: ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite in .data/pglite"}, ${process.env.STRIPE_SECRET_KEY ? "Stripe" : emulatorWanted ? "Stripe test emulator" : "payments off"}, local model simulators)\n${inboxUrl ? `  Emails (verification, password reset) arrive in the development inbox: ${inboxUrl}\n` : ""}`,
    );
  }
});
// The database is opened at start-up (instrumentation), so "ready" is printed once the
// first request would succeed. Nudge the server so that happens right away.
setTimeout(() => fetch(`${url}/`).catch(() => {}), 1500);

const stop = (sig) => {
  for (const c of children) c.kill(sig);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
app.on("exit", (code) => {
  stop("SIGTERM");
  process.exit(code ?? 0);
});
