import type { Db } from "@/db/client";
import { processSingleton } from "@/lib/process";
import { settleLeaseBatch } from "./leases";
import { settleBatch } from "./settle-batch";
import type { BatchSettleResult, SettleBatchInput } from "./settle-sql";

// The per-account settle queue the API path settles through (group commit; why: see
// ./settle-batch.ts). Per account, at most one settle statement is in flight, and whatever
// arrives meanwhile goes into the next one: a lone request is settled at once (a batch of
// one, no added wait); under load the batches grow by themselves.

const MAX_BATCH = 256;
/**
 * A settle statement normally takes milliseconds. One that has run longer than this is
 * presumed stuck (a connection cut mid-query, a lock held elsewhere) and stops holding
 * the account's queue: the next batch starts on another connection. Batches of one
 * account may then overlap; each locks only that account's row, so they just queue on it.
 */
const STALL_MS = 250;
/**
 * Settles of requests held in a credit lease (a hot account: lib/metering/credit-lease.ts)
 * wait this long for company before their statement starts, so a steady stream of one
 * account's requests costs one statement (one round trip, one WAL flush) per LINGER_MS
 * rather than per request even when they do not overlap. Nobody waits for these commits:
 * the answers went out already and the lease holds the credit meanwhile. What it trades:
 * an app crash in those milliseconds leaves those requests unbilled (the sweeper releases
 * the lease; never over-billed), as a crash between an answer and its settle always did.
 */
export const LINGER_MS = 10;
/** A queued settle: a request with its own reservation, or one holding `capMicroUsd` inside lease `leaseId`. */
export type QueuedSettleInput = SettleBatchInput & { leaseId?: string; capMicroUsd?: bigint };
type Waiter = { input: QueuedSettleInput; resolve: (r: BatchSettleResult) => void; reject: (e: unknown) => void };
type Queue = {
  waiting: Waiter[];
  /** How many of `waiting` settle a reservation of their own (not a lease hold). */
  own: number;
  running: number;
  lastStartMs: number;
  timer: ReturnType<typeof setTimeout> | null;
  linger: ReturnType<typeof setTimeout> | null;
};
// Process-wide (lib/process.ts): every route bundle's copy of this module must share one
// queue per account, or "one settle statement in flight per account" would hold per bundle only.
const queues = processSingleton("ledger.settleQueues", () => new WeakMap<Db, Map<string, Queue>>());

/**
 * Settles through the account's queue: at once when nothing of this account is being
 * settled, else in the next batch. Resolves when the request's settle has committed.
 */
export function settleQueued(db: Db, accountId: string, input: QueuedSettleInput): Promise<BatchSettleResult> {
  let perDb = queues.get(db);
  if (!perDb) queues.set(db, (perDb = new Map()));
  let q = perDb.get(accountId);
  if (!q) perDb.set(accountId, (q = { waiting: [], own: 0, running: 0, lastStartMs: 0, timer: null, linger: null }));
  const queue = q;
  const map = perDb;
  return new Promise((resolve, reject) => {
    queue.waiting.push({ input, resolve, reject });
    if (!input.leaseId) queue.own++;
    kick(db, accountId, queue, map);
  });
}

function kick(db: Db, accountId: string, q: Queue, map: Map<string, Queue>, lingered = false): void {
  if (!q.waiting.length) return;
  const ranFor = performance.now() - q.lastStartMs;
  if (q.running === 0 || ranFor >= STALL_MS) {
    // Lease settles only (a settle of a request's own reservation starts at once, and takes
    // the lingering ones with it): wait LINGER_MS for more, unless the batch is full.
    if (!lingered && q.own === 0 && q.waiting.length < MAX_BATCH) {
      q.linger ??= setTimeout(() => {
        q.linger = null;
        kick(db, accountId, q, map, true);
      }, LINGER_MS); // not unref'd: the shutdown flush waits for these commits
      return;
    }
    void runBatch(db, accountId, q, map);
  } else if (!q.timer) {
    // Waiting behind a running batch: if that one stalls, do not wait for it.
    q.timer = setTimeout(
      () => {
        q.timer = null;
        kick(db, accountId, q, map);
      },
      STALL_MS - ranFor + 1,
    );
    q.timer.unref?.();
  }
}

async function runBatch(db: Db, accountId: string, q: Queue, map: Map<string, Queue>): Promise<void> {
  if (q.timer) clearTimeout(q.timer);
  if (q.linger) clearTimeout(q.linger);
  q.timer = q.linger = null;
  const batch = q.waiting.splice(0, MAX_BATCH);
  for (const w of batch) if (!w.input.leaseId) q.own--;
  q.running++;
  q.lastStartMs = performance.now();
  try {
    // Own reservations in one statement; requests held in a lease (lib/ledger/leases.ts)
    // in one statement per lease. Each statement is all-or-nothing on its own.
    const groups = new Map<string, Waiter[]>();
    for (const w of batch) {
      const g = w.input.leaseId ?? "";
      const group = groups.get(g);
      if (group) group.push(w);
      else groups.set(g, [w]);
    }
    for (const [leaseId, ws] of groups) {
      try {
        const results = leaseId
          ? await settleLeaseBatch(
              db,
              leaseId,
              ws.map((w) => ({ ...w.input, capMicroUsd: w.input.capMicroUsd ?? 0n })),
            )
          : await settleBatch(
              db,
              ws.map((w) => w.input),
            );
        ws.forEach((w, i) => w.resolve(results[i]));
      } catch (err) {
        ws.forEach((w) => w.reject(err));
      }
    }
  } finally {
    q.running--;
    if (q.waiting.length) kick(db, accountId, q, map);
    else if (q.running === 0 && map.get(accountId) === q) map.delete(accountId);
  }
}
