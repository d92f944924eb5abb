import { and, asc, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { videoJobs } from "@/db/schema";

// The video_jobs table's statements (its owner: lib/media). The job's life and its money
// are in ./video-jobs.ts; every status change here is guarded by the status it moves
// from, so two instances racing on one job change it once.

export type VideoJob = typeof videoJobs.$inferSelect;

export async function insertVideoJob(
  db: Queryable,
  input: { id: string; accountId: string; keyId: string; requestId: string; model: string; prompt: string; seconds: number; size: string; reservedMicroUsd: bigint },
): Promise<VideoJob> {
  const [job] = await db.insert(videoJobs).values({ ...input, status: "queued" }).returning();
  return job;
}

export async function findVideoJob(db: Queryable, input: { id: string; accountId: string }): Promise<VideoJob | null> {
  const [job] = await db
    .select()
    .from(videoJobs)
    .where(and(eq(videoJobs.id, input.id), eq(videoJobs.accountId, input.accountId)));
  return job ?? null;
}

/** The account's most recent jobs, newest first. */
export function listVideoJobs(db: Queryable, input: { accountId: string; limit: number }): Promise<VideoJob[]> {
  return db.select().from(videoJobs).where(eq(videoJobs.accountId, input.accountId)).orderBy(desc(videoJobs.createdAt)).limit(input.limit);
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
    .set({ status: "completed", progress: 100, artifactId: input.artifactId, completedAt: now, expiresAt: new Date(now.getTime() + input.contentTtlSeconds * 1000) })
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
