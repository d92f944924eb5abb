import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { reservationTtlSeconds } from "./ttl";
import type { BatchSettleResult, SettleBatchInput } from "./settle-batch";

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
 * One statement; committed without waiting for the WAL flush, like reserve(). Returns
 * false when the account is not that rich (or does not exist).
 */
export async function openLease(
  db: Queryable,
  input: { accountId: string; leaseId: string; amountMicroUsd: bigint; minAvailableMicroUsd: bigint },
): Promise<boolean> {
  if (!isLeaseId(input.leaseId)) throw new RangeError(`a lease id starts with ${LEASE_PREFIX}`);
  const out = await rows<{ id: string }>(
    db,
    sql`with acct as (
          update billing_accounts
             set reserved_micro_usd = reserved_micro_usd + ${input.amountMicroUsd}
           where id = ${input.accountId}
             and balance_micro_usd - reserved_micro_usd >= greatest(${input.minAvailableMicroUsd}::bigint, ${input.amountMicroUsd}::bigint)
             and set_config('synchronous_commit', 'off', true) is not null
       returning id)
        insert into reservations (id, account_id, key_id, request_id, amount_micro_usd, expires_at)
        select ${input.leaseId}, acct.id, null, ${input.leaseId}, ${input.amountMicroUsd}, now() + make_interval(secs => ${reservationTtlSeconds()})
          from acct
     returning id`,
  );
  return out.length === 1;
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

/** A request settled against a lease: `capMicroUsd` is the worst case it held in the lease. */
export type LeaseSettleInput = SettleBatchInput & { capMicroUsd: bigint };

/**
 * settleBatch() for requests whose holds live in one lease: in ONE statement, charges each
 * min(actual, its worst case), shrinks the lease and the account's reserved credit by the
 * total charged, debits the balance, writes one usage ledger entry and one usage event per
 * request (running balance_after in queue order), and renews the lease's expiry. A request
 * already settled (a retry after a commit whose answer was lost) is skipped: its usage
 * event exists. A lease the sweeper released meanwhile settles nothing (settled: false).
 */
export async function settleLeaseBatch(db: Queryable, leaseId: string, inputs: LeaseSettleInput[]): Promise<BatchSettleResult[]> {
  if (inputs.length === 0) return [];
  const payload = inputs.map((x, ord) => {
    if (x.actualMicroUsd < 0n) throw new RangeError("actual cost must be >= 0");
    const u = x.usage;
    return {
      ord,
      request_id: x.requestId,
      actual: x.actualMicroUsd.toString(),
      cap: x.capMicroUsd.toString(),
      description: x.description ?? "API usage",
      key_id: u?.keyId ?? null,
      model: u?.model ?? null,
      modality: u?.modality ?? null,
      input_tokens: u?.inputTokens ?? 0,
      output_tokens: u?.outputTokens ?? 0,
      images: u?.images ?? 0,
      video_seconds: u?.videoSeconds ?? 0,
      characters: u?.characters ?? 0,
      audio_ms: u?.audioMs ?? 0,
      status: u?.status ?? "ok",
      http_status: u?.httpStatus ?? 200,
      latency_ms: u?.latencyMs ?? null,
      aborted: u?.aborted ?? false,
    };
  });
  const out = await rows<{ request_id: string; charged: string | number | bigint; balance_after: string | number | bigint; auto_top_up: boolean }>(
    db,
    sql`with input as (
          select distinct on (request_id) *
            from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as i(
                   ord int, request_id text, actual bigint, cap bigint, description text, key_id text,
                   model text, modality text, input_tokens bigint, output_tokens bigint, images int,
                   video_seconds int, characters bigint, audio_ms bigint, status text, http_status int,
                   latency_ms int, aborted boolean)
           -- Durable, like every settle (lib/ledger/settle-batch.ts).
           where not exists (select 1 from usage_events e where e.request_id = i.request_id)
           order by request_id, ord),
        per as (select i.*, least(i.actual, i.cap) as charged from input i),
        tot as (select coalesce(sum(charged), 0)::bigint as charged from per),
        lease as (
          update reservations r
             set amount_micro_usd = r.amount_micro_usd - tot.charged,
                 expires_at = now() + make_interval(secs => ${reservationTtlSeconds()})
            from tot
           where r.request_id = ${leaseId} and r.amount_micro_usd >= tot.charged
       returning r.account_id),
        acct as (
          update billing_accounts a
             set reserved_micro_usd = a.reserved_micro_usd - tot.charged,
                 balance_micro_usd = a.balance_micro_usd - tot.charged
            from lease, tot
           where a.id = lease.account_id
       returning a.id, a.balance_micro_usd as balance),
        running as (
          select per.*, acct.id as account_id, acct.balance as final_balance,
                 acct.balance + sum(per.charged) over (order by per.ord desc rows between unbounded preceding and current row) - per.charged as balance_after
            from per cross join acct),
        entry as (
          insert into ledger_entries (account_id, kind, amount_micro_usd, balance_after_micro_usd, reference, request_id, description)
          select account_id, 'usage', -charged, balance_after, request_id, request_id, description
            from running where charged > 0 order by ord
        returning 1),
        event as (
          insert into usage_events (request_id, account_id, key_id, model, modality, input_tokens, output_tokens,
                                    images, video_seconds, characters, audio_ms, cost_micro_usd, status, http_status,
                                    latency_ms, aborted)
          select request_id, account_id, key_id, model, modality, input_tokens, output_tokens,
                 images, video_seconds, characters, audio_ms, charged, status, http_status, latency_ms, aborted
            from running order by ord
        returning 1)
        select r.request_id, r.charged, r.balance_after,
               exists (select 1 from auto_topup_settings s
                        where s.account_id = r.account_id and s.enabled and r.final_balance < s.threshold_micro_usd) as auto_top_up
          from running r`,
  );
  const byId = new Map(out.map((r) => [r.request_id, r]));
  return inputs.map((x) => {
    const r = byId.get(x.requestId);
    if (!r) return { settled: false, chargedMicroUsd: 0n, balanceAfterMicroUsd: null, autoTopUpDue: false };
    return { settled: true, chargedMicroUsd: BigInt(r.charged), balanceAfterMicroUsd: BigInt(r.balance_after), autoTopUpDue: r.auto_top_up === true };
  });
}
