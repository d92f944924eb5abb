import { after } from "next/server";
import type { Db } from "@/db/client";
import type { VideoJobStatus } from "@/db/schema";
import { getCatalog, type VideoModel } from "@/lib/catalog";
import { costFields } from "@/lib/metering/cost";
import { releaseDeferred, settleDeferred, type DeferredHold } from "@/lib/metering/deferred";
import { MP4_CONTENT_TYPE } from "@/lib/providers/local/media/mp4";
import { renderVideoAsync } from "@/lib/providers/local/media/video";
import { newArtifactId, purgeExpiredArtifacts, storeArtifact } from "./artifacts";
import { claimQueuedJob, findStaleJobs, markJobCompleted, markJobFailed, setJobCost, setJobProgress, type VideoJob } from "./video-job-store";

// Video generation as jobs, with all state in the database (any instance can answer a
// status poll, serve the content, or finish a job another instance abandoned).
//
// Money: POST reserves seconds x price and defers the request's meter (Meter.defer()): the
// job owns a hold that outlives the request, a reservation row of its own keyed by the
// request id, so any instance can end it. The job ends in exactly one of two transactions,
// each guarded by the job's status and settled through the metering layer
// (lib/metering/deferred.ts): complete (status -> completed, artifact stored, settle to the
// seconds rendered) or fail (status -> failed, hold released). A second attempt finds the
// status already moved and changes nothing; the settle is idempotent on the hold as well.

export const VIDEO_SIZES = ["720x1280", "1280x720", "1024x1792", "1792x1024"] as const;
export type VideoSize = (typeof VIDEO_SIZES)[number];
/** A queued job no instance started within this is started by whoever polls it. */
export const STALE_QUEUED_MS = 30_000;
/** A job still rendering after this belonged to an instance that died: failed, released.
 *  Below the ledger's 15-minute reservation TTL, so the sweeper never races a live job. */
export const STALE_RUNNING_MS = 10 * 60_000;
/** How long a finished video can be downloaded. */
export const VIDEO_CONTENT_TTL_SECONDS = 24 * 60 * 60;

export { findVideoJob, insertVideoJob, type VideoJob } from "./video-job-store";

/** The hold a job owns (the row Meter.defer() made at POST), as the metering layer settles it. */
function holdOf(job: VideoJob): DeferredHold {
  return {
    requestId: job.requestId,
    accountId: job.accountId,
    keyId: job.keyId,
    model: { id: job.model, modality: "video" },
    reservedMicroUsd: job.reservedMicroUsd,
  };
}
const latencyOf = (job: VideoJob) => Date.now() - job.createdAt.getTime();

class JobMoved extends Error {}

/** Fails a job that has not finished and gives its hold back. Once only. */
export async function failVideoJob(db: Db, job: VideoJob, code: string, message: string): Promise<boolean> {
  try {
    await releaseDeferred(
      db,
      holdOf(job),
      { status: "failed", latencyMs: latencyOf(job) },
      {
        before: async (tx) => {
          if (!(await markJobFailed(tx, { id: job.id, code, message }))) throw new JobMoved(); // ended meanwhile: release nothing
        },
      },
    );
    return true;
  } catch (err) {
    if (err instanceof JobMoved) return false;
    throw err;
  }
}

/** Stores the video and settles to the seconds rendered, in one transaction. */
async function completeVideoJob(db: Db, job: VideoJob, model: VideoModel, video: { bytes: Uint8Array; seconds: number }): Promise<void> {
  let artifactId = "";
  await settleDeferred(
    db,
    holdOf(job),
    { model, units: { videoSeconds: video.seconds }, latencyMs: latencyOf(job) },
    {
      before: async (tx) => {
        artifactId = newArtifactId();
        await storeArtifact(tx, {
          id: artifactId,
          accountId: job.accountId,
          contentType: MP4_CONTENT_TYPE,
          bytes: video.bytes,
          ttlSeconds: VIDEO_CONTENT_TTL_SECONDS,
        });
        const moved = await markJobCompleted(tx, { id: job.id, artifactId, contentTtlSeconds: VIDEO_CONTENT_TTL_SECONDS });
        if (!moved) throw new JobMoved(); // failed as stale meanwhile: roll back, charge nothing
      },
      after: async (tx, settled) => {
        if (!settled.settled) throw new JobMoved(); // the hold was swept: we cannot charge, so we do not deliver
        await setJobCost(tx, { id: job.id, costMicroUsd: settled.chargedMicroUsd });
      },
    },
  );
}

/** Claims a queued job (one instance wins) and renders it to the end. */
export async function runVideoJob(db: Db, jobId: string): Promise<void> {
  const job = await claimQueuedJob(db, jobId);
  if (!job) return;
  try {
    const model = getCatalog().get(job.model);
    if (!model || model.modality !== "video") throw new Error(`model ${job.model} is no longer in the catalog`);
    if (model.provider !== "local") throw new Error("upstream video generation is not supported");
    const [width, height] = job.size.split("x").map(Number);
    const video = await renderVideoAsync(job.prompt, {
      width,
      height,
      seconds: job.seconds,
      onProgress: (progress) => setJobProgress(db, { id: job.id, progress }),
    });
    await completeVideoJob(db, job, model, { bytes: video.bytes, seconds: video.frameCount / video.fps });
  } catch (err) {
    if (err instanceof JobMoved) {
      await failVideoJob(db, job, "job_expired", "The job was abandoned before it finished; nothing was charged.");
      return;
    }
    console.error(`[video] job ${job.id} failed:`, err);
    await failVideoJob(db, job, "generation_failed", "Video generation failed; nothing was charged.").catch((e) =>
      console.error(`[video] job ${job.id}: could not mark failed`, e),
    );
  }
}

// Renders started by this process, so tests (and a graceful shutdown) can wait for them.
// Correctness never depends on this set: the job's row is the state.
const running = new Set<Promise<void>>();

export function waitForVideoJobs(): Promise<void> {
  return Promise.all([...running]).then(() => {});
}

/** Runs the job after the response is sent (Next's after()), or now outside a request. */
export function scheduleVideoJob(db: Db, jobId: string): void {
  const start = () => {
    const p = runVideoJob(db, jobId).catch((err) => console.error(`[video] job ${jobId}:`, err));
    running.add(p);
    void p.finally(() => running.delete(p));
    return p;
  };
  try {
    after(start);
  } catch {
    void start(); // not inside a Next.js request scope (tests, scripts)
  }
}

/** Recovers jobs left behind by an instance that died: restarts stale queued ones, fails stale running ones. */
export async function reviveIfStale(db: Db, job: VideoJob, now = Date.now()): Promise<VideoJob> {
  if (job.status === "queued" && now - job.createdAt.getTime() > STALE_QUEUED_MS) {
    scheduleVideoJob(db, job.id);
  } else if (job.status === "in_progress" && job.startedAt && now - job.startedAt.getTime() > STALE_RUNNING_MS) {
    if (await failVideoJob(db, job, "job_expired", "The instance rendering this video stopped; nothing was charged.")) {
      return {
        ...job,
        status: "failed" as VideoJobStatus,
        errorCode: "job_expired",
        errorMessage: "The instance rendering this video stopped; nothing was charged.",
      };
    }
  }
  return job;
}

/**
 * reviveIfStale() for every job left behind, polled or not (instrumentation-node.ts runs
 * it periodically): a queued job whose instance died before starting it is rendered, one
 * whose renderer died is failed and its credit given back. Returns how many it touched.
 */
export async function reviveStaleVideoJobs(db: Db, now = Date.now()): Promise<number> {
  const stale = await findStaleJobs(db, { queuedBefore: new Date(now - STALE_QUEUED_MS), startedBefore: new Date(now - STALE_RUNNING_MS), limit: 100 });
  for (const job of stale) await reviveIfStale(db, job, now);
  return stale.length;
}

/** How often each instance runs mediaUpkeep() (instrumentation-node.ts). */
export const MEDIA_UPKEEP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * The periodic media chores (each instance, and the CLI's `sweep`): delete expired
 * artifacts, and revive video jobs left behind. Queued ones revived here render in this
 * process (waitForVideoJobs() waits for them).
 */
export async function mediaUpkeep(db: Db): Promise<{ purged: number; revived: number }> {
  const purged = await purgeExpiredArtifacts(db);
  return { purged, revived: await reviveStaleVideoJobs(db) };
}

/** The OpenAI Video object, plus our usage (cost once completed). */
export function videoJson(job: VideoJob) {
  const ts = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : null);
  return {
    id: job.id,
    object: "video" as const,
    model: job.model,
    status: job.status,
    progress: job.progress,
    prompt: job.prompt,
    seconds: String(job.seconds),
    size: job.size,
    created_at: ts(job.createdAt)!,
    completed_at: job.status === "completed" || job.status === "failed" ? ts(job.completedAt) : null,
    expires_at: ts(job.expiresAt),
    remixed_from_video_id: null,
    error: job.status === "failed" ? { code: job.errorCode ?? "generation_failed", message: job.errorMessage ?? "Video generation failed." } : null,
    // The charge is known once the job ends; while it runs, the credit is only reserved.
    usage:
      job.status === "completed" && job.costMicroUsd !== null
        ? { seconds: job.seconds, ...costFields(job.costMicroUsd) }
        : job.status === "failed"
          ? { seconds: 0, ...costFields(0n) }
          : null,
  };
}
