import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { inputRows, runSettle, type BatchSettleResult, type SettleBatchInput } from "./settle-sql";

// THE settle: any number of requests in one statement. Settling one request is a batch of
// one (settle() below); the API path feeds it through the per-account queue
// (./settle-queue.ts, group commit).
//
// Why: a settle moves the account's cached balance, so it takes the account row lock and
// holds it through its commit, and a durable commit waits for the WAL flush (~3 ms on our
// machines). One statement per request therefore caps one account at a few hundred settles
// per second whatever the hardware. settleBatch() settles any number of requests in one
// statement, one row lock and one WAL flush; settleQueued() feeds it: per account, at most
// one settle statement is in flight, and whatever arrives meanwhile goes into the next one.
// A lone request is settled at once (batch of one, no added wait); under load the batches
// grow by themselves. Each account's statement locks only that account's row, so
// concurrent batches (other accounts, other instances) cannot deadlock.
//
// Semantics are exactly settle()'s, per request: release the hold, debit
// min(actual, reserved) with a usage ledger entry referenced by the request id, write the
// usage event; a reservation already settled or swept is a no-op (settled: false). Ledger
// entries of one batch get their running balance_after in queue order.
//
// DURABILITY. Settles are durable: the statement waits for its WAL flush like any commit
// (~3 ms here), so a settle that committed survives a PostgreSQL crash. That wait is no
// longer on any request's path (lib/metering/meter.ts commits settles after the answer),
// and a hot account's queue turns it into one flush per batch, not per request. (An
// earlier version committed settles with synchronous_commit = off to keep the flush off
// the response path; a PostgreSQL crash could then forget the last ~0.6 s of them.)
// Reservations and leases (holds, not money moved) still commit without the flush wait:
// reserve() says what that trades, and the first durable settle after them flushes them too.

export type { BatchSettleResult, SettleBatchInput, SettleResult } from "./settle-sql";

export function settleBatch(db: Queryable, inputs: SettleBatchInput[]): Promise<BatchSettleResult[]> {
  if (inputs.length === 0) return Promise.resolve([]);
  return runSettle(
    db,
    inputs,
    sql`input as (
          select distinct on (request_id) * from ${inputRows(inputs)}
           order by request_id, ord),
        held as (
          delete from reservations r using input i where r.request_id = i.request_id
          returning r.request_id, r.account_id, r.amount_micro_usd, r.key_id),
        per as (
          -- The reservation is the hard cap on what a request can cost.
          select i.*, held.account_id, held.key_id as held_key_id, held.amount_micro_usd as reserved,
                 least(i.actual, held.amount_micro_usd) as charged
            from held join input i on i.request_id = held.request_id),
        sums as (
          select account_id, sum(reserved)::bigint as released, sum(charged)::bigint as charged from per group by account_id),
        -- The promotional credit before this batch, read under the row lock (the latest
        -- committed value): usage spends it first (lib/ledger/credit-kinds.ts).
        lk as (
          select a.id, a.promo_micro_usd as promo from billing_accounts a where a.id in (select account_id from sums) for update),
        acct as (
          update billing_accounts a
             set reserved_micro_usd = a.reserved_micro_usd - sums.released,
                 balance_micro_usd = a.balance_micro_usd - sums.charged,
                 promo_micro_usd = greatest(0, lk.promo - sums.charged)
            from sums join lk on lk.id = sums.account_id
           where a.id = sums.account_id
       returning a.id, a.balance_micro_usd as balance, lk.promo as promo_before)`,
  );
}

/**
 * Settles one request: the batch of one. Releases its hold, debits min(actual, reserved)
 * with a usage ledger entry referenced by the request id and writes its usage event, in
 * one statement; a reservation already settled or swept is a no-op (settled: false).
 */
export async function settle(db: Queryable, input: SettleBatchInput): Promise<BatchSettleResult> {
  const [result] = await settleBatch(db, [input]);
  return result;
}

/** Gives a reservation back without charging (the model did no work, a lease closed, a stale hold swept). */
export function release(db: Queryable, input: { requestId: string; usage?: SettleBatchInput["usage"] }): Promise<BatchSettleResult> {
  return settle(db, { requestId: input.requestId, actualMicroUsd: 0n, usage: input.usage });
}
