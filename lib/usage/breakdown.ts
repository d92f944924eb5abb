import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { PLAN_PER_CALL, rows } from "@/db/rows";
import type { UsageFilters } from "./filters";
import { periodRows } from "./period";
import { units, type UnitRow, type UsageUnits } from "./queries";

// The period's usage split one way (by key, model or modality), biggest spend first, from
// the same rows as the charts (./period.ts: whole days from the rollup), so the groups add
// up, in integers, to the summary's totals.

export type BreakdownBy = "key" | "model" | "modality";

export type BreakdownRow = UsageUnits & {
  /** The key id, model id or modality; null only for events without a key. */
  group: string | null;
  /** For keys: the key's name (revoked keys keep theirs). */
  name: string | null;
};

const GROUP = { key: sql.raw("p.key_id"), model: sql.raw("p.model"), modality: sql.raw("p.modality") } as const;

export async function usageBreakdown({
  db,
  accountId,
  filters,
  by,
}: {
  db: Queryable;
  accountId: string;
  filters: UsageFilters;
  by: BreakdownBy;
}): Promise<BreakdownRow[]> {
  const dim = GROUP[by];
  // Key names joined on id and account: another account's key can never lend its name.
  const name = by === "key" ? sql`(select k.name from api_keys k where k.id = g.grp and k.account_id = ${accountId})` : sql`null::text`;
  const result = await rows<UnitRow & { grp: string | null; name: string | null }>(
    db,
    sql`with g as (
          select ${dim} as grp, sum(p.requests) as requests, sum(p.cost) as cost,
                 sum(p.input_tokens) as input_tokens, sum(p.output_tokens) as output_tokens, sum(p.images) as images,
                 sum(p.video_seconds) as video_seconds, sum(p.characters) as characters, sum(p.audio_ms) as audio_ms
            from (${periodRows(accountId, { ...filters, bucket: "day" })}) p
           group by 1)
        select grp, ${name} as name, requests::text as requests, cost::text as cost, input_tokens::text as input_tokens,
               output_tokens::text as output_tokens, images::text as images, video_seconds::text as video_seconds,
               characters::text as characters, audio_ms::text as audio_ms
          from g
         order by g.cost desc, g.grp`,
    PLAN_PER_CALL,
  );
  return result.map((r) => ({ group: r.grp, name: r.name, ...units(r) }));
}

/** The by-key breakdown the usage page shows. */
export const usageByKey = (args: { db: Queryable; accountId: string; filters: UsageFilters }) => usageBreakdown({ ...args, by: "key" });
