// `npm start`: the app on its embedded defaults. With nothing configured that means the
// PGlite database in .data/pglite, the in-process rate limiter, local model simulators and
// the Stripe test emulator (devtools/stripe-emulator, started here on 127.0.0.1:12111).
// Builds first when the sources are newer than the last build, then runs the server
// (scripts/server.mjs; WEB_CONCURRENCY workers). Set PORT to change the port (default 3000).
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

// The mail sink and the Stripe emulator run in their own process group, so a Ctrl-C in the
// terminal reaches only this script and the server: they are stopped after the server (below).
const helpers = [];
const helperOptions = { stdio: "inherit", env, detached: true };
process.on("exit", () => {
  for (const c of helpers) if (c.exitCode === null) c.kill("SIGTERM");
});
// Email: without SMTP_URL, a local run's mail goes to the mail sink (devtools/mail-sink),
// read in a browser inbox (MAIL_SINK_SMTP_PORT / MAIL_SINK_HTTP_PORT move it). A production
// run (NODE_ENV=production) must set SMTP_URL: the app refuses to start without it.
let inboxUrl = null;
if (!process.env.SMTP_URL && !production) {
  const smtpPort = process.env.MAIL_SINK_SMTP_PORT ?? "1025";
  const httpPort = process.env.MAIL_SINK_HTTP_PORT ?? "1080";
  env.SMTP_URL = `smtp://127.0.0.1:${smtpPort}`;
  inboxUrl = `http://localhost:${httpPort}`;
  helpers.push(spawn(process.execPath, [tsxBin, "devtools/mail-sink/cli.ts", "--smtp-port", smtpPort, "--http-port", httpPort], helperOptions));
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
  // Said by the app at start (lib/billing/config.ts): on this machine the emulator is the
  // expected payment backend, not an operator's production mistake.
  if (!production) env.METERED_LOCAL_RUN = "1";
  helpers.push(
    spawn(
      process.execPath,
      [tsxBin, "devtools/stripe-emulator/cli.ts", "--port", emulatorPort, "--webhook-url", `http://127.0.0.1:${port}/api/stripe/webhook`],
      helperOptions,
    ),
  );
} else if (!process.env.STRIPE_SECRET_KEY) {
  console.log("[metered] NODE_ENV=production and no Stripe keys: payments are off (no emulator started).");
}
// The server itself (scripts/server.mjs: WEB_CONCURRENCY workers of Next's production server).
const app = spawn(process.execPath, [path.join(root, "scripts/server.mjs"), "-p", port], { stdio: ["inherit", "pipe", "inherit"], env });
let announced = false;
app.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!announced && String(chunk).includes("database ready")) {
    announced = true;
    console.log(
      `\n  Metered is running: open ${url}\n  (embedded defaults: ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite in .data/pglite"}, ${process.env.STRIPE_SECRET_KEY ? "Stripe" : emulatorWanted ? "Stripe test emulator" : "payments off"}, local model simulators)\n${inboxUrl ? `  Emails (verification, password reset) arrive in the development inbox: ${inboxUrl}\n` : ""}`,
    );
  }
});
// The database is opened at start-up (instrumentation), so "ready" is printed once the
// first request would succeed. Nudge the server so that happens right away.
setTimeout(() => fetch(`${url}/`).catch(() => {}), 1500);

// Stopping (SIGTERM from a process manager, Ctrl-C): the server first. It drains its open
// requests and streams and commits their settles (lib/shutdown.ts), which may still need the
// Stripe emulator (auto top-up after a settle) and the mail sink; those stop once it has
// exited, and this process exits with the server's code.
let stopping = false;
const stop = (sig) => {
  if (stopping) return;
  stopping = true;
  if (app.exitCode === null && app.signalCode === null) app.kill(sig);
  else for (const c of helpers) c.kill("SIGTERM");
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
app.on("exit", (code, signal) => {
  for (const c of helpers) c.kill("SIGTERM");
  process.exit(code ?? (signal ? 1 : 0));
});
