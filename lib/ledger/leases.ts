import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { newId } from "@/lib/ids";
import { reserve } from "./core";
import { AccountNotFoundError, InsufficientCreditError } from "./errors";
import { reservationTtlSeconds } from "./ttl";
import { inputRows, runSettle, type BatchSettleResult, type SettleBatchInput } from "./settle-sql";

// Credit leases: the ledger half (statements). The in-process half, which hands requests
// their holds out of a lease, is lib/metering/credit-lease.ts.
//
// A lease is an ordinary reservation row (request_id `lease_…`, no key) holding a block of
// an account's spendable credit for one app instance. While an account sends many requests
// per second, that instance reserves each request's worst case from the lease in memory
// (no database round trip before the model) and settles them in batches against it. To the
// rest of the system it is one more reservation: the CHECK 0 <= reserved <= balance, the
// invariant reserved = Σ reservations, the sweeper (a crashed instance's lease is released
// after RESERVATION_TTL_SECONDS, like any reservation) and "never below zero" all hold
// unchanged, because every request's worst case is still held in the database (inside the
// lease) before its model work starts.

const LEASE_PREFIX = "lease_";
export const isLeaseId = (requestId: string) => requestId.startsWith(LEASE_PREFIX);

/**
 * Holds `amountMicroUsd` for a new lease if the account's spendable credit is at least
 * `minAvailableMicroUsd` (a lease only ever takes a small share of an account's credit).
 * It is a reserve() (one statement, no WAL flush wait) under the lease's id. Returns false
 * when the account is not that rich (or does not exist).
 */
export async function openLease(
  db: Queryable,
  input: { accountId: string; leaseId: string; amountMicroUsd: bigint; minAvailableMicroUsd: bigint },
): Promise<boolean> {
  if (!isLeaseId(input.leaseId)) throw new RangeError(`a lease id starts with ${LEASE_PREFIX}`);
  try {
    await reserve(db, {
      accountId: input.accountId,
      keyId: null,
      requestId: input.leaseId,
      amountMicroUsd: input.amountMicroUsd,
      minAvailableMicroUsd: input.minAvailableMicroUsd,
    });
    return true;
  } catch (err) {
    if (err instanceof InsufficientCreditError || err instanceof AccountNotFoundError) return false;
    throw err;
  }
}

/**
 * Gives back `freeMicroUsd` of a lease's unused credit (relative, so it commutes with the
 * lease's settles). The lease row is locked first, like every settle and the sweeper do,
 * so a lease swept meanwhile frees nothing twice. Returns what was freed.
 */
export async function trimLease(db: Queryable, input: { leaseId: string; freeMicroUsd: bigint }): Promise<bigint> {
  if (input.freeMicroUsd <= 0n) return 0n;
  const out = await rows<{ freed: string | number | bigint }>(
    db,
    sql`with l as (
          select request_id, account_id from reservations
           where request_id = ${input.leaseId} and amount_micro_usd >= ${input.freeMicroUsd}
             and set_config('synchronous_commit', 'off', true) is not null
             for update),
        upd as (
          update reservations r set amount_micro_usd = r.amount_micro_usd - ${input.freeMicroUsd}
            from l where r.request_id = l.request_id
        returning l.account_id),
        acct as (
          update billing_accounts a set reserved_micro_usd = a.reserved_micro_usd - ${input.freeMicroUsd}
            from upd where a.id = upd.account_id
        returning a.id)
        select ${input.freeMicroUsd}::bigint as freed from acct`,
  );
  return out.length ? BigInt(out[0].freed) : 0n;
}

/**
 * Moves one request's hold out of a lease into a reservation row of its own (same amount,
 * same account, so the account's reserved credit does not change): for work that settles
 * after its response, possibly in another instance (video jobs), which must find its hold
 * in the database by its request id. False when the lease no longer holds that much (it
 * was swept): the caller reserves afresh.
 */
export async function moveHoldOutOfLease(
  db: Queryable,
  input: { leaseId: string; accountId: string; keyId: string | null; requestId: string; amountMicroUsd: bigint; ttlSeconds?: number },
): Promise<boolean> {
  const ttl = input.ttlSeconds ?? reservationTtlSeconds();
  const moved = await rows<{ id: string }>(
    db,
    sql`with l as (
          update reservations set amount_micro_usd = amount_micro_usd - ${input.amountMicroUsd}
           where request_id = ${input.leaseId} and account_id = ${input.accountId} and amount_micro_usd >= ${input.amountMicroUsd}
             and set_config('synchronous_commit', 'off', true) is not null
       returning account_id)
        insert into reservations (id, account_id, key_id, request_id, amount_micro_usd, expires_at)
        select ${newId("res")}, l.account_id, ${input.keyId}, ${input.requestId}, ${input.amountMicroUsd}, now() + make_interval(secs => ${ttl})
          from l
     returning id`,
  );
  return moved.length > 0;
}

/** A request settled against a lease: `capMicroUsd` is the worst case it held in the lease. Its usage event is what makes a retry a no-op, so lease settles always carry usage. */
export type LeaseSettleInput = SettleBatchInput & { capMicroUsd: bigint };

/**
 * settleBatch() for requests whose holds live in one lease: in ONE statement, charges each
 * min(actual, its worst case), shrinks the lease and the account's reserved credit by the
 * total charged, debits the balance, writes one usage ledger entry and one usage event per
 * request (running balance_after in queue order), and renews the lease's expiry. A request
 * already settled (a retry after a commit whose answer was lost) is skipped: its usage
 * event exists. A lease the sweeper released meanwhile settles nothing (settled: false).
 */
export function settleLeaseBatch(db: Queryable, leaseId: string, inputs: LeaseSettleInput[]): Promise<BatchSettleResult[]> {
  if (inputs.length === 0) return Promise.resolve([]);
  const caps = new Map(inputs.map((x) => [x.requestId, x.capMicroUsd]));
  return runSettle(
    db,
    inputs,
    sql`input as (
          select distinct on (request_id) * from ${inputRows(inputs, (x) => caps.get(x.requestId)!)}
           -- Durable, like every settle (lib/ledger/settle-batch.ts).
           where not exists (select 1 from usage_events e where e.request_id = i.request_id)
           order by request_id, ord),
        capped as (select i.*, least(i.actual, i.cap) as charged from input i),
        tot as (select coalesce(sum(charged), 0)::bigint as charged from capped),
        lease as (
          update reservations r
             set amount_micro_usd = r.amount_micro_usd - tot.charged,
                 expires_at = now() + make_interval(secs => ${reservationTtlSeconds()})
            from tot
           where r.request_id = ${leaseId} and r.amount_micro_usd >= tot.charged
       returning r.account_id),
        per as (select capped.*, lease.account_id, null::text as held_key_id from capped cross join lease),
        -- Promotional credit before this batch, under the row lock (see settle-batch.ts).
        lk as (
          select a.id, a.promo_micro_usd as promo from billing_accounts a where a.id in (select account_id from lease) for update),
        acct as (
          update billing_accounts a
             set reserved_micro_usd = a.reserved_micro_usd - tot.charged,
                 balance_micro_usd = a.balance_micro_usd - tot.charged,
                 promo_micro_usd = greatest(0, lk.promo - tot.charged)
            from lease, tot, lk
           where a.id = lease.account_id and lk.id = lease.account_id
       returning a.id, a.balance_micro_usd as balance, lk.promo as promo_before)`,
  );
}
