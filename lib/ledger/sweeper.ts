import { lt, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { reservations } from "@/db/schema";
import { expirePromotionalCredit } from "./credit-kinds";
import { release } from "./settle-batch";
import { reservationTtlSeconds } from "./ttl";

// The periodic half of "stale reservations are released by a sweeper" (docs/architecture.md). Every
// instance runs one (started from instrumentation-node.ts): a request whose process died
// between reserve and settle holds credit until its reservation expires, then whichever
// instance sweeps first releases it. Releasing is the ledger's idempotent settle-to-zero,
// so instances sweeping at once, or a late settle racing the sweep, never move money twice;
// the worst a late settle can meet is "already released": that request is not charged.

/** How often to look: a quarter of the TTL, between 1 s and 60 s. */
export function sweepIntervalMs(ttlSeconds = reservationTtlSeconds()): number {
  return Math.min(60_000, Math.max(1_000, Math.floor((ttlSeconds * 1000) / 4)));
}

/**
 * Releases reservations whose process died before settling them. Safe to run from any
 * number of instances at once: each release is the idempotent settle-to-zero (./settle-batch.ts).
 */
export async function sweepStaleReservations(db: Queryable, opts: { limit?: number; now?: Date } = {}): Promise<number> {
  const stale = await db
    .select({ requestId: reservations.requestId })
    .from(reservations)
    // The database's clock by default: expires_at was set by it, and app clocks may drift.
    .where(lt(reservations.expiresAt, opts.now ?? sql`now()`))
    .limit(opts.limit ?? 500);
  let released = 0;
  for (const r of stale) {
    if ((await release(db, { requestId: r.requestId })).settled) released++;
  }
  return released;
}

export type Sweeper = { stop: () => void; sweepNow: () => Promise<number>; stats: () => SweeperStats };
export type SweeperStats = { runs: number; released: number; expiredEntries: number; failures: number; lastError: string | null };

export function startReservationSweeper(getDb: () => Promise<Queryable>, opts: { intervalMs?: number; log?: (msg: string) => void } = {}): Sweeper {
  const log = opts.log ?? ((m: string) => console.log(m));
  const stats: SweeperStats = { runs: 0, released: 0, expiredEntries: 0, failures: 0, lastError: null };
  let running: Promise<number> | null = null;
  let failing = false;

  const sweepNow = () => {
    running ??= (async () => {
      try {
        const db = await getDb();
        let total = 0;
        // Batches of 500 until a short batch: a backlog after an outage drains in one tick.
        for (;;) {
          const n = await sweepStaleReservations(db, { limit: 500 });
          total += n;
          if (n < 500) break;
        }
        // Promotional credit past its expiry: one ledger entry per lot (./credit-kinds.ts).
        for (;;) {
          const x = await expirePromotionalCredit(db, { limit: 500 });
          stats.expiredEntries += x.entries;
          if (x.entries > 0) log(`[sweeper] expired promotional credit: ${x.entries} lot${x.entries === 1 ? "" : "s"}, ${x.expiredMicroUsd} micro-USD`);
          if (x.entries === 0 || x.accounts < 500) break;
        }
        stats.runs++;
        stats.released += total;
        if (failing) log("[sweeper] database reachable again; sweeping resumed");
        failing = false;
        if (total > 0) log(`[sweeper] released ${total} stale reservation${total === 1 ? "" : "s"}`);
        return total;
      } catch (err) {
        stats.failures++;
        stats.lastError = err instanceof Error ? err.message : String(err);
        // One line per outage, not one per tick.
        if (!failing) log(`[sweeper] sweep failed (will retry): ${stats.lastError}`);
        failing = true;
        return 0;
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const timer = setInterval(() => void sweepNow(), opts.intervalMs ?? sweepIntervalMs());
  timer.unref?.(); // never keeps a process alive on its own
  return { stop: () => clearInterval(timer), sweepNow, stats: () => ({ ...stats }) };
}
