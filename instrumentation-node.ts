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
