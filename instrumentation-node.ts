import { ConfigError, env } from "@/lib/env";
import { CatalogError, getCatalog } from "@/lib/catalog";
import { getDb, getDbHandle } from "@/db/client";
import { startBilling } from "@/lib/billing/start";
import { startReservationSweeper } from "@/lib/ledger/sweeper";
import { emulatorInProductionWarning } from "@/lib/billing/config";
import { onShutdown, processSingleton } from "@/lib/process";
import { installRequestTracking, stopGracefully } from "@/lib/shutdown";
import { installPeerAddressHeader } from "@/lib/auth/peer-address";
import { emailConfigProblem } from "@/lib/email/config";

// The server's start (docs/architecture.md, "Process state and shutdown"). Configuration is
// validated first (a bad variable stops the process with a message naming it), then the
// database is migrated before the first request rather than on it.
try {
  const problem = emailConfigProblem(env());
  if (problem) throw new ConfigError(problem);
  getCatalog(); // providers and models: a bad field stops the start with its path
} catch (err) {
  if (err instanceof ConfigError || err instanceof CatalogError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
// --- observability (lib/observability; README "Operations") ---------------------------
// In production every line is JSON: console.* goes through the pino logger (what is written
// outside it, such as Next.js's banner, is wrapped by lib/observability/preload.mjs when the
// server runs with it). Traces only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the SDK is
// loaded then and only then.
if (process.env.NODE_ENV === "production") (await import("@/lib/observability/logger")).routeConsoleToLogger();
if (env().OTEL_EXPORTER_OTLP_ENDPOINT) await (await import("@/lib/observability/tracing")).startTracing();
// --- end observability ------------------------------------------------------------------

// The socket address every per-IP limit starts from (lib/auth/client-ip.ts), stamped on
// every request from here on; then, in production, the model API's fixed-path routes are served straight from node:http
// by their own handlers (app/v1/direct.ts). `next dev` keeps every route in Next.js, where
// edits reload.
installPeerAddressHeader(process.env.NODE_ENV === "production" ? (await import("@/app/v1/direct")).serveDirectRoute : undefined);

// Fake payments in production only when the operator opted in; said loudly at every start.
const paymentsWarning = emulatorInProductionWarning();
if (paymentsWarning) console.warn(paymentsWarning);
const handle = await getDbHandle();
console.log(`[metered] database ready (${handle.kind === "pglite" ? "embedded PGlite" : "PostgreSQL"}), migrations applied`);

// Billing reacts to settles (auto top-up) through metering's after-settle hook.
startBilling();

// Releases reservations left by requests whose process died (crash, SIGKILL, lost
// database connection at settle time). Once per process; the first sweep runs at start,
// so a restarted instance cleans up after its previous life straight away.
const sweeper = processSingleton("ledger.sweeper", () => {
  const s = startReservationSweeper(getDb);
  onShutdown("ledger.sweeper", s.stop);
  void s.sweepNow();
  return s;
});
void sweeper;

// Media upkeep, at start and every 10 minutes; failures are logged and retried:
// - generated media past its expiry (image URLs after an hour, video content after its
//   TTL) is refused from that moment and deleted here, so the database does not keep
//   every image and video forever;
// - video jobs left behind by an instance that died are rendered (queued) or failed with
//   their credit given back (running), even if nobody polls them.
const { MEDIA_UPKEEP_INTERVAL_MS, mediaUpkeep } = await import("@/lib/media/video-jobs");
processSingleton("media.upkeep", () => {
  const upkeep = async () => {
    try {
      const { purged, revived } = await mediaUpkeep(await getDb());
      if (purged + revived > 0) console.log(`[media] deleted ${purged} expired artifacts; revived ${revived} stale video jobs`);
    } catch (err) {
      console.error(`[media] upkeep failed (will retry): ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const timer = setInterval(() => void upkeep(), MEDIA_UPKEEP_INTERVAL_MS);
  timer.unref?.();
  onShutdown("media.upkeep", () => clearInterval(timer));
  void upkeep();
  return timer;
});

// --- ops-deploy: stopping (lib/shutdown.ts) ---
// On SIGTERM/SIGINT (a deploy, Ctrl-C): readiness turns 503, the server stops listening,
// open requests and streams run to their end within SHUTDOWN_GRACE_SECONDS (then are cut
// and billed for what was delivered), then the shutdown registry (lib/process.ts) runs:
// every settle commits, this instance's credit leases are given back, the key cache's
// pending last-used writes are flushed, timers stop. Then the process exits 0. Next.js's
// own signal handler (when NEXT_MANUAL_SIG_HANDLE is unset, as with a bare `next start`)
// calls process.exit(143) as soon as its server has closed: from the signal on, the stop
// below decides when the process exits. Tested by tests/server/shutdown.test.ts.
processSingleton("process.signalHandlers", () => {
  installRequestTracking();
  const graceMs = (env().SHUTDOWN_GRACE_SECONDS ?? 30) * 1000;
  // A second signal changes nothing: Ctrl-C in a terminal reaches both `npm start`'s script
  // (which passes it on) and this server, and must not kill the drain it started.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return void console.log(`[metered] ${signal}: already stopping`);
    stopping = true;
    const exit = process.exit.bind(process);
    process.exit = (() => undefined) as unknown as typeof process.exit;
    void stopGracefully(graceMs).then(
      (code) => exit(code),
      (err) => {
        console.error("[metered] stopping failed", err);
        exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return true;
});
// --- end ops-deploy ---
