import type { Db } from "@/db/client";
import { env } from "@/lib/env";
import { randomBase62 } from "@/lib/ids";
import { openLease, release, trimLease } from "@/lib/ledger";
import { processSingleton } from "@/lib/process";

// Credit leases, the in-process half (the statements are in lib/ledger/leases.ts).
//
// Reserve-then-settle costs a database round trip before every request's model work. For an
// account sending many requests per second, this instance instead reserves a block of the
// account's credit once (a lease: one reservation row) and reserves each request's worst
// case from it in memory. Each request's worst case is still held in the database before
// its model work starts (inside the lease), so the balance can never go below zero; what
// changes is who does the arithmetic for the requests inside the block.
//
// When a lease is used, and when not:
//  - only for an account that is HOT in this instance: LEASE.hotRequests requests started
//    within LEASE.hotWindowMs. An account sending the odd request reserves per request;
//  - only when the account is RICH: a lease takes at most 1/LEASE.shareOfAvailable of its
//    spendable credit (and between LEASE.minMicroUsd and LEASE.maxMicroUsd). When credit runs
//    low, requests go back to exact per-request reservations, so "402 when the balance
//    cannot cover the worst case" keeps its exact meaning where it matters;
//  - never for keys with a spend limit (their check locks the key row per request), and
//    never for a request bigger than 1/8 of the lease;
//  - a per-request reservation that is refused while this instance holds unused lease
//    credit for the account gives that credit back first and retries (no 402 caused by our
//    own lease).
// A lease nobody uses for LEASE.idleMs (CREDIT_LEASE_IDLE_MS) is released, and all of them
// when the process is stopped (the shutdown registry: lib/process.ts). Another instance's unused lease can make
// a request see up to LEASE.maxMicroUsd less spendable credit than the balance shows, only
// while that instance is sending this account many requests per second, and at most a
// quarter of the spendable credit. A crashed instance's lease is released by the sweeper.

export const LEASE = {
  hotRequests: 4,
  hotWindowMs: 1_000,
  /** A lease aims to hold this many worst cases of the request that opened it... */
  requestsPerLease: 100n,
  /** ...within these bounds (µ$): $0.10 to $2.00. */
  minMicroUsd: 100_000n,
  maxMicroUsd: 2_000_000n,
  /** A lease is opened only if the spendable credit is at least this many times its size. */
  shareOfAvailable: 4n,
  /** Default; CREDIT_LEASE_IDLE_MS overrides it. */
  idleMs: 500,
  /** After a refused lease (credit too low), per-request reservations for this long. */
  refusedCooldownMs: 2_000,
};

class Lease {
  /** The lease's amount in the database, as of the settles this instance has seen commit. */
  amount: bigint;
  /** Held for requests: worst cases until they settle, then their charge until it commits. */
  held = 0n;
  /** Requests holding credit in the lease (until their settle committed). */
  users = 0;
  /** No new requests; released once its last user is done. */
  retired = false;
  idleTimer: ReturnType<typeof setTimeout> | null = null;
  constructor(
    readonly id: string,
    readonly accountId: string,
    amount: bigint,
  ) {
    this.amount = amount;
  }
  get free(): bigint {
    return this.amount - this.held;
  }
}

type AccountLeases = {
  starts: number[];
  current: Lease | null;
  opening: Promise<Lease | null> | null;
  refusedUntil: number;
  all: Set<Lease>;
};

// Process-wide (lib/process.ts), not module-wide: Next.js bundles route handlers separately,
// each with its own copy of this module, and the shutdown flush releases every lease.
const { byDb, background } = processSingleton("metering.creditLeases", () => ({
  byDb: new Map<Db, Map<string, AccountLeases>>(),
  background: new Set<Promise<unknown>>(),
}));
function track(p: Promise<unknown>): void {
  const q = p.catch((err) => console.error("[lease]", err)).finally(() => background.delete(q));
  background.add(q);
}

function stateOf(db: Db, accountId: string): AccountLeases {
  let m = byDb.get(db);
  if (!m) byDb.set(db, (m = new Map()));
  let st = m.get(accountId);
  if (!st) m.set(accountId, (st = { starts: [], current: null, opening: null, refusedUntil: 0, all: new Set() }));
  return st;
}

function isHot(st: AccountLeases, now: number): boolean {
  st.starts.push(now);
  if (st.starts.length > LEASE.hotRequests) st.starts.shift();
  return st.starts.length >= LEASE.hotRequests && now - st.starts[0] <= LEASE.hotWindowMs;
}

/** A request's hold inside a lease. */
export type LeaseHold = {
  leaseId: string;
  worstMicroUsd: bigint;
  /** At settle time: the hold shrinks from the worst case to the charge (the rest is free at once). */
  charge(chargedMicroUsd: bigint): void;
  /** Once the settle statement answered: `settled` false means the lease did not take it. */
  committed(chargedMicroUsd: bigint, settled: boolean): void;
  /**
   * A settle against the lease failed (the database is unreachable): no new request is held
   * in it, so an outage turns into 503s (per-request reservations fail) instead of more
   * unsettled answers. The settles already owed keep retrying.
   */
  settleFailed(): void;
  /**
   * The request's work was deferred past its response (Meter.defer()): its hold left the
   * lease for a reservation row of its own (`moved`), or could not (the lease is gone; it
   * is then retired). Either way the lease no longer counts it as a user.
   */
  movedOut(moved: boolean): void;
};

/**
 * Holds `worstMicroUsd` for a request out of this account's lease, opening one if the account
 * is hot and rich. Null: reserve per request instead.
 */
export async function holdFromLease(db: Db, accountId: string, worstMicroUsd: bigint): Promise<LeaseHold | null> {
  const st = stateOf(db, accountId);
  const now = Date.now();
  const hot = isHot(st, now);
  if (!st.current && !st.opening && !hot) return null;
  for (let attempt = 0; attempt < 2; attempt++) {
    const lease = st.current;
    if (lease) {
      if (worstMicroUsd * 8n > lease.amount) return null; // too big for leasing
      if (lease.free >= worstMicroUsd) return take(db, st, lease, worstMicroUsd);
      retire(db, st, lease); // full: a fresh one below
    }
    if (Date.now() < st.refusedUntil) return null;
    st.opening ??= open(db, accountId, st, worstMicroUsd).finally(() => (st.opening = null));
    if (!(await st.opening)) return null;
  }
  return null;
}

async function open(db: Db, accountId: string, st: AccountLeases, worst: bigint): Promise<Lease | null> {
  let size = worst * LEASE.requestsPerLease;
  if (size < LEASE.minMicroUsd) size = LEASE.minMicroUsd;
  if (size > LEASE.maxMicroUsd) size = LEASE.maxMicroUsd;
  if (worst * 8n > size) return null;
  const id = `lease_${randomBase62(22)}`;
  let ok = false;
  try {
    ok = await openLease(db, { accountId, leaseId: id, amountMicroUsd: size, minAvailableMicroUsd: size * LEASE.shareOfAvailable });
  } catch (err) {
    console.error("[lease] could not open a lease; reserving per request", err);
  }
  if (!ok) {
    st.refusedUntil = Date.now() + LEASE.refusedCooldownMs;
    return null;
  }
  const lease = new Lease(id, accountId, size);
  st.current = lease;
  st.all.add(lease);
  scheduleIdle(db, st, lease);
  return lease;
}

function take(db: Db, st: AccountLeases, lease: Lease, worst: bigint): LeaseHold {
  lease.held += worst;
  lease.users++;
  if (lease.idleTimer) clearTimeout(lease.idleTimer);
  lease.idleTimer = null;
  let hold = worst;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    lease.users--;
    if (lease.users === 0) lease.retired ? close(db, st, lease) : scheduleIdle(db, st, lease);
  };
  return {
    leaseId: lease.id,
    worstMicroUsd: worst,
    charge(charged) {
      const c = charged < hold ? charged : hold;
      lease.held -= hold - c;
      hold = c;
    },
    settleFailed() {
      if (st.current === lease) st.current = null;
      lease.retired = true; // released once its last settle is done (or by the sweeper)
    },
    movedOut(moved) {
      lease.held -= hold;
      if (moved) lease.amount -= hold;
      else retire(db, st, lease);
      hold = 0n;
      finish();
    },
    committed(charged, settled) {
      lease.held -= hold;
      if (settled) lease.amount -= charged < hold ? charged : hold;
      // Not taken (swept lease, or a retry whose first commit did land): this instance no
      // longer knows the lease's exact amount, so it stops using it.
      else if (hold > 0n) retire(db, st, lease);
      hold = 0n;
      finish();
    },
  };
}

function scheduleIdle(db: Db, st: AccountLeases, lease: Lease): void {
  if (lease.idleTimer) clearTimeout(lease.idleTimer);
  lease.idleTimer = setTimeout(() => {
    lease.idleTimer = null;
    if (lease.users === 0) retire(db, st, lease);
  }, env().CREDIT_LEASE_IDLE_MS ?? LEASE.idleMs);
  lease.idleTimer.unref?.();
}

/** No new holds; frees the unused part now, and releases the lease once its last user is done. */
function retire(db: Db, st: AccountLeases, lease: Lease): void {
  if (st.current === lease) st.current = null;
  if (lease.retired) return;
  lease.retired = true;
  if (lease.users === 0) return close(db, st, lease);
  const free = lease.free;
  if (free > 0n) {
    lease.amount -= free;
    track(trimLease(db, { leaseId: lease.id, freeMicroUsd: free }));
  }
}

function close(db: Db, st: AccountLeases, lease: Lease): void {
  if (lease.idleTimer) clearTimeout(lease.idleTimer);
  lease.idleTimer = null;
  lease.retired = true;
  if (st.current === lease) st.current = null;
  st.all.delete(lease);
  // Settling the lease row to zero: deletes it and frees whatever it still holds, no charge.
  track(release(db, { requestId: lease.id }));
}

/**
 * A per-request reservation was refused: give back the unused credit of this account's
 * leases in this instance (so our own leases never cause a 402). True if anything was freed.
 */
export async function freeUnusedLeases(db: Db, accountId: string): Promise<boolean> {
  const st = byDb.get(db)?.get(accountId);
  if (!st?.all.size) return false;
  st.refusedUntil = Date.now() + LEASE.refusedCooldownMs;
  let freed = 0n;
  await Promise.all(
    [...st.all].map(async (lease) => {
      if (lease.users === 0) {
        freed += lease.amount;
        close(db, st, lease);
      } else {
        if (st.current === lease) st.current = null;
        lease.retired = true;
        const free = lease.free;
        if (free > 0n) {
          lease.amount -= free;
          freed += await trimLease(db, { leaseId: lease.id, freeMicroUsd: free });
        }
      }
    }),
  );
  await leasesIdle();
  return freed > 0n;
}

/** Releases every lease now (shutdown, tests) and waits for it; leases still in use are released when their last user is done. */
export async function releaseAllLeases(): Promise<void> {
  for (const [d, m] of byDb) {
    for (const st of m.values()) for (const lease of [...st.all]) lease.users === 0 ? close(d, st, lease) : retire(d, st, lease);
    if ([...m.values()].every((st) => st.all.size === 0)) byDb.delete(d);
  }
  await leasesIdle();
}

/** Resolves when lease statements started so far (trims, releases) have finished. */
export async function leasesIdle(): Promise<void> {
  while (background.size) await Promise.all([...background]);
}

/**
 * Credit this instance holds in the account's leases but no request uses: spendable, though
 * the database counts it as reserved (for x-credit-remaining).
 */
export function unusedLeaseCreditMicroUsd(db: Db, accountId: string): bigint {
  const st = byDb.get(db)?.get(accountId);
  let free = 0n;
  for (const lease of st?.all ?? []) if (!lease.retired && lease.free > 0n) free += lease.free;
  return free;
}
