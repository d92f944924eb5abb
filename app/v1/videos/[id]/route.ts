import { ApiError, json, withApiKey, otherMethods } from "@/lib/api";
import { findVideoJob, reviveIfStale, videoJson } from "@/lib/media/video-jobs";
import { deleteVideoJob } from "@/lib/media/video-job-store";

export const dynamic = "force-dynamic";

// Job status. Another account's job is indistinguishable from a missing one (404).
export const GET = withApiKey<{ id: string }>(async (ctx) => {
  const job = await findVideoJob(ctx.db, { id: ctx.params.id, accountId: ctx.key.accountId });
  if (!job) throw new ApiError("not_found", `No video found with id '${ctx.params.id}'.`, { param: "video_id" });
  return json(videoJson(await reviveIfStale(ctx.db, job)));
});

// Deletes an ended job and its video. A job still queued or rendering holds its credit
// until it ends, so it is refused (400) rather than cancelled: delete it once it is done.
export const DELETE = withApiKey<{ id: string }>(async (ctx) => {
  const outcome = await deleteVideoJob(ctx.db, { id: ctx.params.id, accountId: ctx.key.accountId });
  if (!outcome.deleted && outcome.reason === "not_found") throw new ApiError("not_found", `No video found with id '${ctx.params.id}'.`, { param: "video_id" });
  if (!outcome.deleted) {
    throw new ApiError(
      "invalid_request",
      `Video '${ctx.params.id}' is ${outcome.status} and cannot be deleted until it has completed or failed; poll GET /v1/videos/${ctx.params.id} and delete it then.`,
      { param: "video_id" },
    );
  }
  return json({ id: ctx.params.id, object: "video.deleted", deleted: true });
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { POST, PUT, PATCH } = otherMethods("GET", "DELETE");
