import { formatMoney } from "@/lib/money";
import { modelColor } from "./colors";
import { bucketKeys, bucketLabel, type UsageFilters } from "./filters";
import type { UsageSummary } from "./queries";

// Turns the SQL summary into what the client charts plot: one row per bucket (every
// bucket of the period, zeros included), spend split by model. Charts need numbers, so
// USD and units become JS numbers here, at the edge; the exact amounts travel beside
// them as strings for the tooltips.

export type ChartRow = {
  label: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  images: number;
  videoSeconds: number;
  characters: number;
  audioMinutes: number;
  /** Exact spend of the bucket, "$0.001234". */
  totalExact: string;
  /** m0, m1, …: USD per model (for plotting); x0, x1, …: exact strings. */
  [modelKey: string]: number | string;
};

export type ChartData = { rows: ChartRow[]; models: string[]; colors: string[]; bucket: UsageFilters["bucket"] };

export function buildChartData(summary: UsageSummary, filters: UsageFilters): ChartData {
  const models = [...new Set(summary.rows.map((r) => r.model))].sort();
  const index = new Map(models.map((m, i) => [m, i]));
  const byBucket = new Map<string, { row: ChartRow; total: bigint; perModel: bigint[] }>();
  for (const key of bucketKeys(filters)) {
    byBucket.set(key, {
      total: 0n,
      perModel: models.map(() => 0n),
      row: {
        label: bucketLabel(key, filters.bucket),
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
        images: 0,
        videoSeconds: 0,
        characters: 0,
        audioMinutes: 0,
        totalExact: "$0",
      },
    });
  }
  for (const r of summary.rows) {
    const b = byBucket.get(r.bucket);
    if (!b) continue; // cannot happen: the SQL bucket keys come from the same period
    const row = b.row;
    row.requests += Number(r.requests);
    row.inputTokens += Number(r.inputTokens);
    row.outputTokens += Number(r.outputTokens);
    row.images += Number(r.images);
    row.videoSeconds += Number(r.videoSeconds);
    row.characters += Number(r.characters);
    row.audioMinutes += Number(r.audioMs) / 60_000;
    b.total += r.costMicroUsd;
    b.perModel[index.get(r.model)!] += r.costMicroUsd;
  }
  const rows: ChartRow[] = [];
  for (const { row, total, perModel } of byBucket.values()) {
    row.totalExact = formatMoney(total);
    perModel.forEach((micro, i) => {
      row[`m${i}`] = Number(micro) / 1e6;
      row[`x${i}`] = formatMoney(micro);
    });
    rows.push(row);
  }
  return { rows, models, colors: models.map(modelColor), bucket: filters.bucket };
}
