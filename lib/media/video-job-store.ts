import { and, asc, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Db, Queryable } from "@/db/client";
import { artifacts, videoJobs } from "@/db/schema";

// The video_jobs table's statements (its owner: lib/media). The job's life and its money
// are in ./video-jobs.ts; every status change here is guarded by the status it moves
// from, so two instances racing on one job change it once.

export type VideoJob = typeof videoJobs.$inferSelect;

export async function insertVideoJob(
  db: Queryable,
  input: {
    id: string;
    accountId: string;
    keyId: string;
    requestId: string;
    model: string;
    prompt: string;
    seconds: number;
    size: string;
    reservedMicroUsd: bigint;
  },
): Promise<VideoJob> {
  const [job] = await db
    .insert(videoJobs)
    .values({ ...input, status: "queued" })
    .returning();
  return job;
}

export async function findVideoJob(db: Queryable, input: { id: string; accountId: string }): Promise<VideoJob | null> {
  const [job] = await db
    .select()
    .from(videoJobs)
    .where(and(eq(videoJobs.id, input.id), eq(videoJobs.accountId, input.accountId)));
  return job ?? null;
}

/** queued → in_progress; null when another instance claimed it first (or it is not queued). */
export async function claimQueuedJob(db: Queryable, id: string): Promise<VideoJob | null> {
  const [job] = await db
    .update(videoJobs)
    .set({ status: "in_progress", startedAt: new Date() })
    .where(and(eq(videoJobs.id, id), eq(videoJobs.status, "queued")))
    .returning();
  return job ?? null;
}

export async function setJobProgress(db: Queryable, input: { id: string; progress: number }): Promise<void> {
  await db
    .update(videoJobs)
    .set({ progress: input.progress })
    .where(and(eq(videoJobs.id, input.id), eq(videoJobs.status, "in_progress")));
}

/** queued or in_progress → failed; false when it had ended already. */
export async function markJobFailed(db: Queryable, input: { id: string; code: string; message: string }): Promise<boolean> {
  const moved = await db
    .update(videoJobs)
    .set({ status: "failed", errorCode: input.code, errorMessage: input.message, completedAt: new Date() })
    .where(and(eq(videoJobs.id, input.id), inArray(videoJobs.status, ["queued", "in_progress"])))
    .returning({ id: videoJobs.id });
  return moved.length > 0;
}

/** in_progress → completed with its content; false when it is no longer in progress. */
export async function markJobCompleted(db: Queryable, input: { id: string; artifactId: string; contentTtlSeconds: number }): Promise<boolean> {
  const now = new Date();
  const moved = await db
    .update(videoJobs)
    .set({
      status: "completed",
      progress: 100,
      artifactId: input.artifactId,
      completedAt: now,
      expiresAt: new Date(now.getTime() + input.contentTtlSeconds * 1000),
    })
    .where(and(eq(videoJobs.id, input.id), eq(videoJobs.status, "in_progress")))
    .returning({ id: videoJobs.id });
  return moved.length > 0;
}

export async function setJobCost(db: Queryable, input: { id: string; costMicroUsd: bigint }): Promise<void> {
  await db.update(videoJobs).set({ costMicroUsd: input.costMicroUsd }).where(eq(videoJobs.id, input.id));
}

/** Jobs left behind: queued since before `queuedBefore`, or rendering since before `startedBefore`; oldest first. */
export function findStaleJobs(db: Queryable, input: { queuedBefore: Date; startedBefore: Date; limit: number }): Promise<VideoJob[]> {
  return db
    .select()
    .from(videoJobs)
    .where(
      or(
        and(eq(videoJobs.status, "queued"), lt(videoJobs.createdAt, input.queuedBefore)),
        and(eq(videoJobs.status, "in_progress"), lt(videoJobs.startedAt, input.startedBefore)),
      ),
    )
    .orderBy(asc(videoJobs.createdAt))
    .limit(input.limit);
}

// GET /v1/videos (cursor pages) and DELETE /v1/videos/{id}, always scoped to the key's
// account. Money never moves here: a job is deleted only once it has ended, i.e. after its
// reservation was settled (completed) or released (failed).

export type VideoOrder = "asc" | "desc";

export type VideoPage = { jobs: VideoJob[]; hasMore: boolean };

/** The cursor named by `after` does not exist for this account. */
export class UnknownCursorError extends Error {}

/**
 * One page of the account's jobs in creation order, starting after the job `after`
 * (exclusive). Ties on created_at are broken by id, so every job appears exactly once
 * across pages even when several were created in the same microsecond.
 */
export async function listVideoJobs(db: Db, input: { accountId: string; limit: number; order: VideoOrder; after?: string | null }): Promise<VideoPage> {
  const { accountId, limit, order } = input;
  if (input.after) {
    const [found] = await db
      .select({ id: videoJobs.id })
      .from(videoJobs)
      .where(and(eq(videoJobs.id, input.after), eq(videoJobs.accountId, accountId)));
    if (!found) throw new UnknownCursorError(input.after);
  }
  // Compared in SQL, not through a JS Date: created_at has microseconds, a Date only
  // milliseconds, and jobs within the same millisecond would be skipped or repeated.
  const cursorRow = sql`(select c.created_at, c.id from video_jobs c where c.id = ${input.after ?? null} and c.account_id = ${accountId})`;
  const past = input.after
    ? order === "desc"
      ? sql`(${videoJobs.createdAt}, ${videoJobs.id}) < ${cursorRow}`
      : sql`(${videoJobs.createdAt}, ${videoJobs.id}) > ${cursorRow}`
    : undefined;
  const by = order === "desc" ? desc : asc;
  const jobs = await db
    .select()
    .from(videoJobs)
    .where(and(eq(videoJobs.accountId, accountId), past))
    .orderBy(by(videoJobs.createdAt), by(videoJobs.id))
    .limit(limit + 1);
  return { jobs: jobs.slice(0, limit), hasMore: jobs.length > limit };
}

export type DeleteOutcome = { deleted: true } | { deleted: false; reason: "not_found" } | { deleted: false; reason: "running"; status: string };

/**
 * Deletes an ended job (completed or failed) and its stored video, in one transaction.
 * A queued or rendering job is not deleted: it still holds its credit reservation, which
 * only the job itself settles or releases (lib/media/video-jobs.ts).
 */
export async function deleteVideoJob(db: Db, input: { id: string; accountId: string }): Promise<DeleteOutcome> {
  return db.transaction(async (tx) => {
    const [gone] = await tx
      .delete(videoJobs)
      .where(and(eq(videoJobs.id, input.id), eq(videoJobs.accountId, input.accountId), inArray(videoJobs.status, ["completed", "failed"])))
      .returning({ artifactId: videoJobs.artifactId });
    if (gone) {
      if (gone.artifactId) await tx.delete(artifacts).where(and(eq(artifacts.id, gone.artifactId), eq(artifacts.accountId, input.accountId)));
      return { deleted: true } as const;
    }
    const [job] = await tx
      .select({ status: videoJobs.status })
      .from(videoJobs)
      .where(and(eq(videoJobs.id, input.id), eq(videoJobs.accountId, input.accountId)));
    return job ? ({ deleted: false, reason: "running", status: job.status } as const) : ({ deleted: false, reason: "not_found" } as const);
  });
}
