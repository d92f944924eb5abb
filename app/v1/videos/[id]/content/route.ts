import { ApiError, withApiKey, otherMethods } from "@/lib/api";
import { loadArtifact } from "@/lib/media/artifacts";
import { findVideoJob } from "@/lib/media/video-jobs";
import { costHeaders } from "@/lib/metering/cost";
import { renderVideoThumbnail } from "@/lib/providers/local/media/video";

export const dynamic = "force-dynamic";

// The finished video (H.264 in MP4), or with ?variant=thumbnail its first frame as JPEG.
// The job's charge is repeated in the cost headers; downloading is not billed again.
export const GET = withApiKey<{ id: string }>(async (ctx) => {
  const job = await findVideoJob(ctx.db, { id: ctx.params.id, accountId: ctx.key.accountId });
  if (!job) throw new ApiError("not_found", `No video found with id '${ctx.params.id}'.`, { param: "video_id" });
  if (job.status !== "completed") {
    throw new ApiError("invalid_request", `Video '${job.id}' is not ready: its status is ${job.status}. Poll GET /v1/videos/${job.id} until it is completed.`);
  }
  const variant = new URL(ctx.req.url).searchParams.get("variant") ?? "video";
  if (variant !== "video" && variant !== "thumbnail") {
    throw new ApiError("invalid_request", `Invalid value for 'variant': '${variant}'. Supported: video, thumbnail.`, { param: "variant" });
  }
  // Past its expiry the content is refused, and soon after deleted (artifact unlinked).
  const artifact = job.artifactId ? await loadArtifact(ctx.db, { id: job.artifactId, accountId: ctx.key.accountId }) : null;
  if (!artifact)
    throw new ApiError(
      "not_found",
      `The content of video '${job.id}' has expired${job.expiresAt ? ` (at ${job.expiresAt.toISOString()})` : ""}; generate it again with POST /v1/videos.`,
    );
  const cost = costHeaders(job.costMicroUsd ?? 0n);
  if (variant === "thumbnail") {
    // The simulator is deterministic: the first frame is drawn again from the job's prompt.
    const [width, height] = job.size.split("x").map(Number);
    const first = renderVideoThumbnail(job.prompt, { width, height });
    return new Response(new Uint8Array(first), { headers: { "content-type": "image/jpeg", "content-length": String(first.length), ...cost } });
  }
  return new Response(new Uint8Array(artifact.bytes), {
    headers: {
      "content-type": artifact.contentType,
      "content-length": String(artifact.byteLength),
      "content-disposition": `attachment; filename="${job.id}.mp4"`,
      ...cost,
    },
  });
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
