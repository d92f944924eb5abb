// `npm start`: the app on its embedded defaults. With nothing configured that means the
// PGlite database in .data/pglite, the in-process rate limiter, local model simulators and
// the Stripe test emulator (started here, on 127.0.0.1:12111). Builds first when the
// sources are newer than the last build. Set PORT to change the port (default 3000).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
const port = process.env.PORT ?? "3000";
const url = `http://localhost:${port}`;
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PORT: port };
const distDir = process.env.NEXT_DIST_DIR ?? ".next";
// The CLIs run directly under this node, not through `npx`: a signal sent to this process
// (kill, a process manager) must reach them, and npx's shell wrapper does not pass SIGTERM
// on, which left next-server running, holding the embedded database's lock.
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
const tsxBin = path.join(root, "node_modules/tsx/dist/cli.mjs");

function newest(p) {
  let s;
  try { s = fs.statSync(p); } catch { return 0; }
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...fs.readdirSync(p).map((e) => newest(path.join(p, e))));
}
const buildId = path.join(distDir, "BUILD_ID");
const sources = ["app", "components", "lib", "db", "public", "proxy.ts", "instrumentation.ts", "instrumentation-node.ts", "next.config.js", "package-lock.json"];
const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
if (!built || sources.some((s) => newest(s) > built)) {
  console.log("Building the app (next build)…");
  const r = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const children = [];
// Email: without SMTP_URL, the local mail sink (devtools/mail-sink) receives every email
// and shows it in a browser inbox. MAIL_SINK_SMTP_PORT / MAIL_SINK_HTTP_PORT move it.
let inboxUrl = null;
if (!process.env.SMTP_URL) {
  const smtpPort = process.env.MAIL_SINK_SMTP_PORT ?? "1025";
  const httpPort = process.env.MAIL_SINK_HTTP_PORT ?? "1080";
  env.SMTP_URL = `smtp://127.0.0.1:${smtpPort}`;
  inboxUrl = `http://localhost:${httpPort}`;
  children.push(
    spawn(process.execPath, [tsxBin, "devtools/mail-sink/cli.ts", "--smtp-port", smtpPort, "--http-port", httpPort], { stdio: "inherit", env }),
  );
}
// Links in emails point here (the app reads APP_URL, else AUTH_URL, else the request's origin).
env.APP_URL ??= url;
if (!process.env.STRIPE_SECRET_KEY) {
  const emulatorPort = process.env.STRIPE_EMULATOR_PORT ?? "12111";
  env.STRIPE_EMULATOR_URL ??= `http://127.0.0.1:${emulatorPort}`;
  children.push(
    spawn(process.execPath, [tsxBin, "lib/billing/emulator/cli.ts", "--port", emulatorPort, "--webhook-url", `http://127.0.0.1:${port}/api/stripe/webhook`], {
      stdio: "inherit",
      env,
    }),
  );
}
const app = spawn(process.execPath, [nextBin, "start", "-p", port], { stdio: ["inherit", "pipe", "inherit"], env });
children.push(app);
app.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes("database ready")) {
    console.log(`\n  Metered is running: open ${url}\n  (embedded defaults: ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite in .data/pglite"}, ${process.env.STRIPE_SECRET_KEY ? "Stripe" : "Stripe test emulator"}, local model simulators)\n${inboxUrl ? `  Emails (verification, password reset) arrive in the development inbox: ${inboxUrl}\n` : ""}`);
  }
});
// The database is opened at start-up (instrumentation), so "ready" is printed once the
// first request would succeed. Nudge the server so that happens right away.
setTimeout(() => fetch(`${url}/`).catch(() => {}), 1500);

const stop = (sig) => { for (const c of children) c.kill(sig); };
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
app.on("exit", (code) => { stop("SIGTERM"); process.exit(code ?? 0); });
