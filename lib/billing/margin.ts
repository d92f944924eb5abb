import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";

// The operator's margin (issue 20 item 6): per UTC day, model and provider, the requests,
// what we billed (usage_events.cost_micro_usd, the charge), what the provider charges us
// (usage_events.provider_cost_micro_usd: its reported units × the configured `cost`,
// computed at settle, lib/billing/provider-cost.ts) and the difference. Exact: sums of
// integer micro-USD. Requests whose provider cost is unknown (no `cost` configured, the
// built-in simulators) are counted apart, and their day's margin is left unknown rather
// than overstated. Shown by the admin page and `npm run cli -- margin`.

export type MarginRow = {
  day: string;
  model: string;
  /** The provider that answered; "local" for the built-in simulators. */
  provider: string;
  requests: number;
  revenueMicroUsd: bigint;
  /** Σ over the requests whose provider cost is known. */
  providerCostMicroUsd: bigint;
  /** Requests without a known provider cost. */
  uncostedRequests: number;
  /** revenue - provider cost; null when some request's provider cost is unknown. */
  marginMicroUsd: bigint | null;
};

export type MarginReport = { from: string; to: string; rows: MarginRow[]; total: Omit<MarginRow, "day" | "model" | "provider"> };

export class MarginRangeError extends Error {}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;

/** Checks a --from/--to pair (UTC days, both included). */
export function parseMarginRange(from: string | undefined, to: string | undefined): { from: string; to: string } {
  for (const [name, v] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (!v || !DAY_RE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
      throw new MarginRangeError(`--${name} must be a day as YYYY-MM-DD, got "${v ?? ""}"`);
    }
  }
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (days < 0) throw new MarginRangeError(`--from (${from}) is after --to (${to})`);
  if (days >= MAX_DAYS) throw new MarginRangeError(`at most ${MAX_DAYS} days at once`);
  return { from: from!, to: to! };
}

export async function marginReport(db: Queryable, range: { from: string; to: string }): Promise<MarginReport> {
  const { from, to } = parseMarginRange(range.from, range.to);
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000);
  const out = await rows<{
    day: string;
    model: string;
    provider: string;
    requests: string | number;
    revenue: string | number;
    provider_cost: string | number;
    uncosted: string | number;
  }>(
    db,
    sql`select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, model, coalesce(provider, 'local') as provider,
               count(*) as requests, coalesce(sum(cost_micro_usd), 0)::text as revenue,
               coalesce(sum(provider_cost_micro_usd), 0)::text as provider_cost,
               count(*) filter (where provider_cost_micro_usd is null) as uncosted
          from usage_events
         where created_at >= ${start.toISOString()}::timestamptz and created_at < ${end.toISOString()}::timestamptz
         group by 1, 2, 3
         order by 1, 2, 3`,
  );
  const list: MarginRow[] = out.map((r) => {
    const revenue = BigInt(r.revenue);
    const cost = BigInt(r.provider_cost);
    const uncosted = Number(r.uncosted);
    return {
      day: r.day,
      model: r.model,
      provider: r.provider,
      requests: Number(r.requests),
      revenueMicroUsd: revenue,
      providerCostMicroUsd: cost,
      uncostedRequests: uncosted,
      marginMicroUsd: uncosted === 0 ? revenue - cost : null,
    };
  });
  const total = list.reduce(
    (t, r) => ({
      requests: t.requests + r.requests,
      revenueMicroUsd: t.revenueMicroUsd + r.revenueMicroUsd,
      providerCostMicroUsd: t.providerCostMicroUsd + r.providerCostMicroUsd,
      uncostedRequests: t.uncostedRequests + r.uncostedRequests,
      marginMicroUsd: t.marginMicroUsd === null || r.marginMicroUsd === null ? null : t.marginMicroUsd + r.marginMicroUsd,
    }),
    { requests: 0, revenueMicroUsd: 0n, providerCostMicroUsd: 0n, uncostedRequests: 0, marginMicroUsd: 0n as bigint | null },
  );
  return { from, to, rows: list, total };
}

/**
 * The admin page's margin section: the range asked for (the last 7 UTC days by default), its
 * report, or why the range was refused.
 */
export async function marginForRange(
  db: Queryable,
  q: { from?: string; to?: string },
  now = new Date(),
): Promise<{ from: string; to: string; report: MarginReport | null; error: string | null }> {
  const from = q.from ?? new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
  const to = q.to ?? now.toISOString().slice(0, 10);
  try {
    return { from, to, report: await marginReport(db, { from, to }), error: null };
  } catch (err) {
    if (!(err instanceof MarginRangeError)) throw err;
    return { from, to, report: null, error: err.message.replace(/--(from|to)/g, "$1") };
  }
}
