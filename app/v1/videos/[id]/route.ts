import { ApiError, json, withApiKey } from "@/lib/api";
import { findVideoJob, reviveIfStale, videoJson } from "@/lib/media/video-jobs";

export const dynamic = "force-dynamic";

// Job status. Another account's job is indistinguishable from a missing one (404).
export const GET = withApiKey<{ id: string }>(async (ctx) => {
  const job = await findVideoJob(ctx.db, { id: ctx.params.id, accountId: ctx.key.accountId });
  if (!job) throw new ApiError("not_found", `No video found with id '${ctx.params.id}'.`, { param: "video_id" });
  return json(videoJson(await reviveIfStale(ctx.db, job)));
});
