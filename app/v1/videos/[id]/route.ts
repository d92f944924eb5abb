import { ApiError, json, withApiKey, otherMethods } from "@/lib/api";
import { findVideoJob, reviveIfStale, videoJson } from "@/lib/media/video-jobs";

export const dynamic = "force-dynamic";

// Job status. Another account's job is indistinguishable from a missing one (404).
export const GET = withApiKey<{ id: string }>(async (ctx) => {
  const job = await findVideoJob(ctx.db, { id: ctx.params.id, accountId: ctx.key.accountId });
  if (!job) throw new ApiError("not_found", `No video found with id '${ctx.params.id}'.`, { param: "video_id" });
  return json(videoJson(await reviveIfStale(ctx.db, job)));
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
