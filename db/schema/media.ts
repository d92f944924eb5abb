import { customType, index, integer, pgTable, text, timestamp, bigint } from "drizzle-orm/pg-core";
import { billingAccounts } from "./accounts";
import { apiKeys } from "./api-keys";

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  // postgres.js returns a Buffer, PGlite a Uint8Array: normalise to Buffer.
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
});

// Generated media kept for the client to download: video job output, and images asked
// for with response_format "url". Stored in the database so any instance can serve them
// (the app is stateless); expired rows are deleted by purgeExpiredArtifacts() (every 10
// minutes on each instance, and `sweep` in the operator CLI).
export const artifacts = pgTable(
  "artifacts",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    contentType: text("content_type").notNull(),
    byteLength: integer("byte_length").notNull(),
    bytes: bytea("bytes").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
  },
  (t) => [index("artifacts_account").on(t.accountId), index("artifacts_expiry").on(t.expiresAt)],
);

export const VIDEO_JOB_STATUSES = ["queued", "in_progress", "completed", "failed"] as const;
export type VideoJobStatus = (typeof VIDEO_JOB_STATUSES)[number];

// One row per POST /v1/videos. The job's credit is held by a ledger reservation keyed by
// request_id from creation until the job completes (settled) or fails (released); the
// status change and the settlement commit in one transaction, so it happens once.
export const videoJobs = pgTable(
  "video_jobs",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    keyId: text("key_id").references(() => apiKeys.id),
    requestId: text("request_id").notNull().unique(),
    model: text("model").notNull(),
    prompt: text("prompt").notNull(),
    seconds: integer("seconds").notNull(),
    size: text("size").notNull(),
    status: text("status", { enum: VIDEO_JOB_STATUSES }).notNull().default("queued"),
    progress: integer("progress").notNull().default(0),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    artifactId: text("artifact_id").references(() => artifacts.id),
    reservedMicroUsd: bigint("reserved_micro_usd", { mode: "bigint" }).notNull(),
    costMicroUsd: bigint("cost_micro_usd", { mode: "bigint" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
  },
  (t) => [index("video_jobs_account_time").on(t.accountId, t.createdAt), index("video_jobs_status").on(t.status, t.createdAt)],
);
