import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { ApiError } from "@/lib/errors";
import { readBalance } from "@/lib/ledger";
import { settlesCommitted } from "@/lib/metering/meter";
import { microToUsdNumber } from "@/lib/money";
import { parseUsageFilters } from "@/lib/usage/filters";
import { periodRows } from "@/lib/usage/period";
import { MAX_USAGE_DAYS, type UsageQuery } from "./schemas";

// GET /api/v1/credits and GET /api/v1/usage: the organization's money and usage, read from
// the ledger and the usage tables (lib/ledger, lib/usage), exact integers in SQL.

const DAY_MS = 86_400_000;
const money = (micro: bigint) => ({ usd: microToUsdNumber(micro), micro: Number(micro) });

/**
 * total_credits: Σ of the positive ledger entries (every credit ever added); total_usage:
 * Σ of the usage debits (settled requests); balance: the cached Σ of the whole ledger
 * (billing_accounts, kept in the same transaction as each entry); held: reservations in force.
 */
export async function readCredits(db: Queryable, accountId: string) {
  // Settles commit just after their answers (lib/metering/meter.ts): read them, as /v1/credits does.
  await settlesCommitted(accountId);
  const [sums] = await rows<{ credits: string; usage: string }>(
    db,
    sql`select coalesce(sum(amount_micro_usd) filter (where amount_micro_usd > 0), 0)::text as credits,
               coalesce(-sum(amount_micro_usd) filter (where kind = 'usage'), 0)::text as usage
          from ledger_entries where account_id = ${accountId}`,
  );
  const b = await readBalance(db, accountId);
  const credits = money(BigInt(sums?.credits ?? 0));
  const usage = money(BigInt(sums?.usage ?? 0));
  const balance = money(b.balanceMicroUsd);
  const held = money(b.reservedMicroUsd);
  return {
    total_credits: credits.usd,
    total_credits_micro_usd: credits.micro,
    total_usage: usage.usd,
    total_usage_micro_usd: usage.micro,
    balance: balance.usd,
    balance_micro_usd: balance.micro,
    held: held.usd,
    held_micro_usd: held.micro,
  };
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The query's UTC days, checked (400 with the parameter), with today and 29 days before as defaults. */
export function usagePeriod(q: Pick<UsageQuery, "from" | "to">, now = new Date()): { from: string; to: string } {
  const day = (s: string, param: string) => {
    const d = new Date(`${s}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || isoDay(d) !== s) throw new ApiError("invalid_request", `${param} is not a calendar date: ${s}.`, { param });
    return d;
  };
  const to = q.to ? day(q.to, "to") : new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  const from = q.from ? day(q.from, "from") : new Date(to.getTime() - 29 * DAY_MS);
  if (from > to) throw new ApiError("invalid_request", `from (${isoDay(from)}) is after to (${isoDay(to)}).`, { param: "from" });
  if ((to.getTime() - from.getTime()) / DAY_MS >= MAX_USAGE_DAYS) {
    throw new ApiError("invalid_request", `A usage query covers at most ${MAX_USAGE_DAYS} days.`, { param: "from" });
  }
  return { from: isoDay(from), to: isoDay(to) };
}

type UnitSums = {
  requests: string;
  cost: string;
  input_tokens: string;
  output_tokens: string;
  images: string;
  video_seconds: string;
  characters: string;
  audio_ms: string;
};

const SUMS = sql`sum(p.requests)::text as requests, sum(p.cost)::text as cost, sum(p.input_tokens)::text as input_tokens,
  sum(p.output_tokens)::text as output_tokens, sum(p.images)::text as images, sum(p.video_seconds)::text as video_seconds,
  sum(p.characters)::text as characters, sum(p.audio_ms)::text as audio_ms`;

function unitsOf(r: UnitSums) {
  const cost = BigInt(r.cost ?? 0);
  const n = (v: string | null) => Number(v ?? 0);
  return {
    requests: n(r.requests),
    input_tokens: n(r.input_tokens),
    output_tokens: n(r.output_tokens),
    images: n(r.images),
    video_seconds: n(r.video_seconds),
    characters: n(r.characters),
    audio_ms: n(r.audio_ms),
    cost: microToUsdNumber(cost),
    cost_micro_usd: Number(cost),
  };
}

/**
 * Usage of the organization over whole UTC days [from, to], grouped. The period is the one
 * the CSV export gives for the same from/to (the same filter parser), and the rows come from
 * the same source the usage pages read (whole days from the daily rollup, kept exactly by
 * triggers on the events), so every sum equals the export's to the micro-dollar.
 */
export async function readUsage(db: Queryable, accountId: string, q: UsageQuery) {
  const period = usagePeriod(q);
  const filters = parseUsageFilters(new URLSearchParams({ from: period.from, to: period.to }));
  await settlesCommitted(accountId);
  const source = periodRows(accountId, filters);
  const keyJoin = sql`left join api_keys k on k.id = p.key_id and k.account_id = ${accountId}`;
  let data: Record<string, unknown>[];
  switch (q.group_by) {
    case "day": {
      const r = await rows<UnitSums & { day: string }>(db, sql`select to_char(p.b, 'YYYY-MM-DD') as day, ${SUMS} from (${source}) p group by 1 order by 1`);
      data = r.map((x) => ({ day: x.day, ...unitsOf(x) }));
      break;
    }
    case "model": {
      const r = await rows<UnitSums & { model: string }>(db, sql`select p.model, ${SUMS} from (${source}) p group by 1 order by 1`);
      data = r.map((x) => ({ model: x.model, ...unitsOf(x) }));
      break;
    }
    case "key": {
      const r = await rows<UnitSums & { key_id: string | null; key_name: string | null }>(
        db,
        sql`select p.key_id, min(k.name) as key_name, ${SUMS} from (${source}) p ${keyJoin} group by 1 order by 1`,
      );
      data = r.map((x) => ({ key_id: x.key_id, key_name: x.key_name, ...unitsOf(x) }));
      break;
    }
    case "project": {
      const r = await rows<UnitSums & { project_id: string | null; project_name: string | null }>(
        db,
        sql`select pr.id as project_id, min(pr.name) as project_name, ${SUMS}
              from (${source}) p ${keyJoin} left join projects pr on pr.id = k.project_id and pr.account_id = ${accountId}
             group by 1 order by 2, 1`,
      );
      data = r.map((x) => ({ project_id: x.project_id, project_name: x.project_name, ...unitsOf(x) }));
      break;
    }
  }
  const [total] = await rows<UnitSums>(db, sql`select ${SUMS} from (${source}) p`);
  return { from: period.from, to: period.to, group_by: q.group_by, data, total: unitsOf(total ?? ({} as UnitSums)) };
}
