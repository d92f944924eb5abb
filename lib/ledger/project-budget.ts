import { sql } from "drizzle-orm";
import type { Db, Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import type { SpendLimitPeriod } from "@/db/schema";
import { reserve } from "./core";
import { keySpentSince, type KeySpend } from "./key-spend";

// Project budgets (issue 24), the money half (the policy and messages are in
// lib/metering/open-meter.ts). Like a key's spend, a project's spend is derived, never
// stored: Σ usage_events.cost_micro_usd of the project's keys since the start of the UTC
// month, plus what those keys hold in reservations now (requests still running). Settling
// turns a reservation into a usage event in one transaction, so the sum neither
// double-counts nor drops a running request.

export type ProjectSpend = KeySpend;

/** The first instant of `now`'s UTC month: project budgets are monthly, calendar months in UTC. */
export function monthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** When the budget of `now`'s month resets: the first of the next month, 00:00 UTC. */
export function monthEnd(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** Settled spend of a project's keys since `since` plus their active reservations, in micro-USD. */
export async function projectSpentSince(db: Queryable, input: { projectId: string; since: Date }): Promise<ProjectSpend> {
  const [r] = await rows<{ settled: string | number | bigint | null; held: string | number | bigint | null }>(
    db,
    sql`select
          (select coalesce(sum(u.cost_micro_usd), 0) from usage_events u join api_keys k on k.id = u.key_id
            where k.project_id = ${input.projectId} and u.created_at >= ${input.since.toISOString()}::timestamptz) as settled,
          (select coalesce(sum(r.amount_micro_usd), 0) from reservations r join api_keys k on k.id = r.key_id
            where k.project_id = ${input.projectId}) as held`,
  );
  const settled = BigInt(r?.settled ?? 0);
  const held = BigInt(r?.held ?? 0);
  return { settledMicroUsd: settled, reservedMicroUsd: held, spentMicroUsd: settled + held };
}

export type LimitChecks = {
  /** Called with the project's budget read under its row lock (only when it has one). */
  project?: (budget: { name: string; budgetMicroUsd: bigint }, spend: () => Promise<ProjectSpend>) => Promise<void>;
  /** Called with the key's limit read under its row lock (only when it has one). */
  key?: (limit: { limitMicroUsd: bigint; period: SpendLimitPeriod }, spendSince: (since: Date | null) => Promise<KeySpend>) => Promise<void>;
};

/**
 * Reserves a request's worst case within its project's budget and its key's spend limit,
 * race-safe: the project row, then the key row (always in that order, so two requests can
 * never wait on each other crosswise), are locked while the spends are summed and the
 * reservation is taken. Concurrent requests of one project therefore queue here and cannot
 * jointly pass the budget. The budget and the limit are the ones read under the locks (the
 * cached principal may be stale). A check that throws refuses; nothing is held then.
 * FOR NO KEY UPDATE, not FOR UPDATE: the foreign-key checks of concurrent inserts
 * (api_keys.project_id, usage_events.key_id) take KEY SHARE on these rows and must not wait.
 */
export async function reserveWithinLimits(
  db: Db,
  input: { accountId: string; keyId: string; projectId: string | null; requestId: string; amountMicroUsd: bigint },
  checks: LimitChecks,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (input.projectId && checks.project) {
      const [p] = await rows<{ name: string; budget: string | number | bigint | null }>(
        tx,
        sql`select name, monthly_budget_micro_usd as budget from projects where id = ${input.projectId} for no key update`,
      );
      if (p?.budget != null) {
        const projectId = input.projectId;
        await checks.project({ name: p.name, budgetMicroUsd: BigInt(p.budget) }, () => projectSpentSince(tx, { projectId, since: monthStart() }));
      }
    }
    const [k] = await rows<{ limit: string | number | bigint | null; period: SpendLimitPeriod | null }>(
      tx,
      sql`select spend_limit_micro_usd as limit, spend_limit_period as period from api_keys where id = ${input.keyId} for no key update`,
    );
    if (k?.limit != null && k.period && checks.key) {
      await checks.key({ limitMicroUsd: BigInt(k.limit), period: k.period }, (since) => keySpentSince(tx, { keyId: input.keyId, since }));
    }
    const { projectId: _p, ...hold } = input;
    await reserve(tx, hold);
  });
}
