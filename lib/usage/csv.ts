import type { Queryable } from "@/db/client";
import { microToUsdString } from "@/lib/money";
import { isoDate, type UsageFilters } from "./filters";
import { listRequests, type LogCursor, type RequestLogRow } from "./queries";

// The CSV export: streamed row batch by row batch (keyset pages of EXPORT_BATCH), so a
// period of millions of events never sits in memory. Costs are exact: the integer
// micro-USD column and a decimal USD string made from it, never a float.

export const EXPORT_BATCH = 1000;

export const CSV_COLUMNS = [
  "request_id",
  "created_at_utc",
  "key_id",
  "key_name",
  "model",
  "modality",
  "input_tokens",
  "output_tokens",
  "images",
  "video_seconds",
  "characters",
  "audio_ms",
  "cost_micro_usd",
  "cost_usd",
  "status",
  "http_status",
  "latency_ms",
  "aborted",
  "billing_state",
  "units_source",
  "provider",
  // Appended (issue 24): the key's project, by name. Existing columns keep their order.
  "project",
] as const;

/** RFC 4180 quoting, and a leading ' on text a spreadsheet would run as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(r: RequestLogRow): string {
  return [
    csvField(r.requestId),
    r.createdAt,
    csvField(r.keyId ?? ""),
    csvField(r.keyName ?? ""),
    csvField(r.model),
    csvField(r.modality),
    String(r.inputTokens),
    String(r.outputTokens),
    String(r.images),
    String(r.videoSeconds),
    String(r.characters),
    String(r.audioMs),
    String(r.costMicroUsd),
    microToUsdString(r.costMicroUsd),
    csvField(r.status),
    String(r.httpStatus),
    String(r.latencyMs),
    r.aborted ? "true" : "false",
    csvField(r.billingState),
    csvField(r.unitsSource ?? ""),
    csvField(r.provider ?? ""),
    csvField(r.projectName ?? ""),
  ].join(",");
}

export function exportFilename(f: UsageFilters): string {
  return `usage-${isoDate(f.from)}-to-${isoDate(new Date(f.to.getTime() - 1))}.csv`;
}

/** A streamed CSV of the account's usage events matching the filters, newest first. */
export function usageCsvStream({
  db,
  accountId,
  filters,
  batchSize = EXPORT_BATCH,
}: {
  db: Queryable;
  accountId: string;
  filters: UsageFilters;
  batchSize?: number;
}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: LogCursor | null = null;
  let headerSent = false;
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      // pull() runs only when the consumer wants more, so a slow download never makes us
      // fetch ahead of it, and a cancelled one stops fetching.
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(CSV_COLUMNS.join(",") + "\r\n"));
          return;
        }
        if (done) return;
        const page = await listRequests({ db, accountId, filters, cursor, limit: batchSize });
        if (page.rows.length) controller.enqueue(encoder.encode(page.rows.map((r) => csvRow(r) + "\r\n").join("")));
        cursor = page.next;
        if (!cursor) {
          done = true;
          controller.close();
        }
      },
      cancel() {
        done = true;
      },
    },
    { highWaterMark: 1 },
  );
}

export function usageCsvResponse(args: { db: Queryable; accountId: string; filters: UsageFilters; batchSize?: number }): Response {
  return new Response(usageCsvStream(args), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFilename(args.filters)}"`,
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
