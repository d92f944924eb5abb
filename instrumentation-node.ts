import { ConfigError, env } from "@/lib/env";
import { getDb, getDbHandle } from "@/db/client";
import { startReservationSweeper } from "@/lib/ledger/sweeper";

// Configuration is validated first (a bad variable stops the process with a message
// naming it), then the database is migrated before the first request rather than on it.
try {
  env();
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

// On SIGTERM/SIGINT (a deploy, Ctrl-C) Next.js stops taking requests and exits. Meanwhile we
// give back this instance's credit leases and let the settles of answers already sent
// commit, so a restart neither holds customers' credit until the sweeper nor leaves those
// requests unbilled. Best effort, bounded: Next.js exits when its own shutdown is done.
const gs = globalThis as unknown as { __meteredShutdownHook?: boolean };
if (!gs.__meteredShutdownHook) {
  gs.__meteredShutdownHook = true;
  const onSignal = () => {
    void (async () => {
      const { afterSettleIdle } = await import("@/lib/metering/meter");
      const { releaseAllLeases } = await import("@/lib/metering/credit-lease");
      await Promise.race([
        (async () => {
          await afterSettleIdle();
          await releaseAllLeases();
        })(),
        new Promise((r) => setTimeout(r, 5_000).unref()),
      ]);
    })().catch((err) => console.error("[metered] shutdown flush failed", err));
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
