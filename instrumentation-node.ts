import { ConfigError, env } from "@/lib/env";
import { getDb, getDbHandle } from "@/db/client";
import { startReservationSweeper } from "@/lib/ledger/sweeper";
import { installPeerAddressHeader } from "@/lib/auth/peer-address";
import { emailConfigProblem } from "@/lib/email/config";

// Before any request: the socket address every per-IP limit starts from (lib/auth/client-ip.ts).
installPeerAddressHeader();

// Configuration is validated first (a bad variable stops the process with a message
// naming it), then the database is migrated before the first request rather than on it.
try {
  const problem = emailConfigProblem(env());
  if (problem) throw new ConfigError(problem);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
const handle = await getDbHandle();
console.log(`[metered] database ready (${handle.kind === "pglite" ? "embedded PGlite" : "PostgreSQL"}), migrations applied`);

// Releases reservations left by requests whose process died (crash, SIGKILL, lost
// database connection at settle time). Once per process; the first sweep runs at start,
// so a restarted instance cleans up after its previous life straight away.
const g = globalThis as unknown as { __reservationSweeper?: ReturnType<typeof startReservationSweeper> };
g.__reservationSweeper ??= startReservationSweeper(getDb);
void g.__reservationSweeper.sweepNow();

// Media upkeep, at start and every 10 minutes; failures are logged and retried:
// - generated media past its expiry (image URLs after an hour, video content after its
//   TTL) is refused from that moment and deleted here, so the database does not keep
//   every image and video forever;
// - video jobs left behind by an instance that died are rendered (queued) or failed with
//   their credit given back (running), even if nobody polls them.
const gp = globalThis as unknown as { __mediaUpkeep?: ReturnType<typeof setInterval> };
if (!gp.__mediaUpkeep) {
  const { MEDIA_UPKEEP_INTERVAL_MS, mediaUpkeep } = await import("@/lib/media/video-jobs");
  const upkeep = async () => {
    try {
      const { purged, revived } = await mediaUpkeep(await getDb());
      if (purged + revived > 0) console.log(`[media] deleted ${purged} expired artifacts; revived ${revived} stale video jobs`);
    } catch (err) {
      console.error(`[media] upkeep failed (will retry): ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  gp.__mediaUpkeep = setInterval(() => void upkeep(), MEDIA_UPKEEP_INTERVAL_MS);
  gp.__mediaUpkeep.unref?.();
  void upkeep();
}

// On SIGTERM/SIGINT (a deploy, Ctrl-C) Next.js stops taking requests and exits. We give
// back this instance's credit leases and let the settles of answers already sent commit,
// so a restart neither holds customers' credit until the sweeper nor leaves those requests
// unbilled. Next.js calls process.exit() as soon as its own shutdown is done, which is
// sooner than a database round trip, so from the signal on process.exit waits for our
// flush first (bounded: 5 s). Tested by tests/server/shutdown.test.ts.
const gs = globalThis as unknown as { __meteredShutdownHook?: boolean };
if (!gs.__meteredShutdownHook) {
  gs.__meteredShutdownHook = true;
  const onSignal = () => {
    const flushed = (async () => {
      const { afterSettleIdle } = await import("@/lib/metering/meter");
      const { releaseAllLeases } = await import("@/lib/metering/credit-lease");
      await afterSettleIdle();
      await releaseAllLeases();
    })().catch((err) => console.error("[metered] shutdown flush failed", err));
    const bounded = Promise.race([flushed, new Promise((r) => setTimeout(r, 5_000).unref())]);
    const exit = process.exit.bind(process);
    process.exit = ((code?: number | string | null) => {
      void bounded.finally(() => exit(code));
    }) as typeof process.exit;
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
