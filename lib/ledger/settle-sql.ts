import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import type { SettleResult, UsageEventInput } from "./index";

// The parts every batched settle statement shares: requests with their own reservation
// (./settle-batch.ts) and requests held inside a credit lease (./leases.ts) differ only in
// where the hold is released from; the input rows, the ledger entries with their running
// balance, the usage events and the result are the same.

export type SettleBatchInput = { requestId: string; actualMicroUsd: bigint; description?: string; usage?: UsageEventInput };

/** settle()'s result, plus whether the account is now below an enabled auto top-up threshold. */
export type BatchSettleResult = SettleResult & { autoTopUpDue: boolean };

/**
 * The batch as ONE parameter (a JSON array) whatever its size, so the statement text never
 * changes and postgres.js prepares it once per connection. `cap`: the most each request may
 * be charged when no reservation row of its own says so (lease holds).
 */
export function inputRows(inputs: SettleBatchInput[], cap?: (x: SettleBatchInput) => bigint): SQL {
  const payload = inputs.map((x, ord) => {
    if (x.actualMicroUsd < 0n) throw new RangeError("actual cost must be >= 0");
    const u = x.usage;
    return {
      ord,
      request_id: x.requestId,
      actual: x.actualMicroUsd.toString(),
      cap: cap ? cap(x).toString() : null,
      description: x.description ?? "API usage",
      has_usage: !!u,
      key_id: u?.keyId ?? null,
      model: u?.model ?? null,
      modality: u?.modality ?? null,
      input_tokens: u?.inputTokens ?? 0,
      output_tokens: u?.outputTokens ?? 0,
      images: u?.images ?? 0,
      video_seconds: u?.videoSeconds ?? 0,
      characters: u?.characters ?? 0,
      audio_ms: u?.audioMs ?? 0,
      status: u?.status ?? null,
      http_status: u?.httpStatus ?? null,
      latency_ms: u?.latencyMs ?? null,
      aborted: u?.aborted ?? false,
      cached_input_tokens: u?.cachedInputTokens ?? 0,
      reasoning_tokens: u?.reasoningTokens ?? 0,
      provider: u?.provider ?? null,
      provider_attempts: u?.providerAttempts ?? 0,
      error_code: u?.errorCode ?? null,
    };
  });
  return sql`jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as i(
               ord int, request_id text, actual bigint, cap bigint, description text, has_usage boolean, key_id text,
               model text, modality text, input_tokens bigint, output_tokens bigint, images int,
               video_seconds int, characters bigint, audio_ms bigint, status text, http_status int,
               latency_ms int, aborted boolean, cached_input_tokens bigint, reasoning_tokens bigint, provider text,
               provider_attempts int, error_code text)`;
}

/**
 * Runs a settle statement made of `head` (CTEs ending in `per`: the input rows plus
 * account_id, held_key_id and charged; and `acct`: the updated accounts' id and balance)
 * followed by the shared tail: running balance_after per entry, the usage ledger entries,
 * the usage events, and one result row per request settled.
 */
export async function runSettle(db: Queryable, inputs: SettleBatchInput[], head: SQL): Promise<BatchSettleResult[]> {
  const out = await rows<{ request_id: string; charged: string | number | bigint; balance_after: string | number | bigint; auto_top_up: boolean }>(
    db,
    sql`with ${head},
        running as (
          -- balance after entry k = final balance + charges of the entries after k
          select per.*, acct.balance as final_balance,
                 acct.balance + sum(per.charged) over (partition by per.account_id order by per.ord desc rows between unbounded preceding and current row) - per.charged as balance_after
            from per join acct on acct.id = per.account_id),
        entry as (
          insert into ledger_entries (account_id, kind, amount_micro_usd, balance_after_micro_usd, reference, request_id, description)
          select account_id, 'usage', -charged, balance_after, request_id, request_id, description
            from running where charged > 0 order by account_id, ord
        returning 1),
        event as (
          insert into usage_events (request_id, account_id, key_id, model, modality, input_tokens, output_tokens,
                                    images, video_seconds, characters, audio_ms, cost_micro_usd, status, http_status,
                                    latency_ms, aborted, cached_input_tokens, reasoning_tokens, provider,
                                    provider_attempts, error_code)
          select request_id, account_id, coalesce(key_id, held_key_id), model, modality, input_tokens, output_tokens,
                 images, video_seconds, characters, audio_ms, charged, status, http_status, latency_ms, aborted,
                 cached_input_tokens, reasoning_tokens, provider, provider_attempts, error_code
            from running where has_usage order by ord
        returning 1)
        select r.request_id, r.charged, r.balance_after,
               -- Auto top-up is checked only when this says so: no query at all for the
               -- (many) accounts without it, instead of one UPDATE per charged request.
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
