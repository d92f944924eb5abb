import { ApiError, json, maxCostFrom, parseWith, readFormData, readJson, resolveModel, withApiKey, otherMethods } from "@/lib/api";
import { newId } from "@/lib/ids";
import { insertVideoJob, scheduleVideoJob, VIDEO_SIZES, videoJson, type VideoSize } from "@/lib/media/video-jobs";
import { listVideoJobs, UnknownCursorError } from "@/lib/media/video-job-store";
import { releaseDeferred } from "@/lib/metering/deferred";
import { videoBody, videoListQuery } from "./schema";

export const dynamic = "force-dynamic";

const FORM_LIMIT_BYTES = 256 * 1024;

// Creates a video job: reserves seconds × price now, answers at once with the queued job;
// rendering happens after the response and settles (or, on failure, releases) the hold.
export const POST = withApiKey(async (ctx) => {
  const isForm = (ctx.req.headers.get("content-type") ?? "").toLowerCase().startsWith("multipart/form-data");
  const body = isForm
    ? parseWith(videoBody, Object.fromEntries((await readFormData(ctx.req, { maxBytes: FORM_LIMIT_BYTES })).entries()))
    : await readJson(ctx.req, videoBody);
  const model = resolveModel(ctx.catalog, body.model, "video");
  if (body.input_reference !== undefined) {
    throw new ApiError("invalid_request", `${model.id} does not support 'input_reference'; send a text prompt only.`, { param: "input_reference" });
  }
  if (model.provider !== "local") {
    throw new ApiError("invalid_request", `Video generation through an upstream provider is not supported yet; use a local/ video model.`, { param: "model" });
  }
  const seconds = body.seconds ?? model.limits.defaultSeconds;
  if (seconds < 1 || seconds > model.limits.maxSeconds) {
    throw new ApiError("invalid_request", `Invalid value for 'seconds': ${seconds}. ${model.id} makes videos of 1 to ${model.limits.maxSeconds} seconds.`, {
      param: "seconds",
    });
  }
  const size = body.size ?? "720x1280";
  if (!(VIDEO_SIZES as readonly string[]).includes(size)) {
    throw new ApiError("invalid_request", `Invalid value for 'size': '${size}'. Supported sizes: ${VIDEO_SIZES.join(", ")}.`, { param: "size" });
  }

  const meter = await ctx.openMeter({ model, worstCase: { videoSeconds: seconds }, maxCostMicroUsd: maxCostFrom(ctx.req, body.max_cost) });
  // The job owns the hold from here (a reservation row of its own, whatever kind of hold the
  // request had): it settles when the video is done, in whichever instance finishes it.
  const hold = await meter.defer();
  const job = await insertVideoJob(ctx.db, {
    id: newId("vid"),
    accountId: ctx.key.accountId,
    keyId: ctx.key.keyId,
    requestId: ctx.requestId,
    model: model.id,
    prompt: body.prompt,
    seconds,
    size: size as VideoSize,
    reservedMicroUsd: hold.reservedMicroUsd,
  }).catch(async (err) => {
    await releaseDeferred(ctx.db, hold, { status: "error", latencyMs: performance.now() - ctx.startedAt });
    throw err;
  });
  scheduleVideoJob(ctx.db, job.id);
  return json(videoJson(job));
});

/** The account's video jobs, a cursor page at a time (OpenAI's list shape; newest first by default). */
export const GET = withApiKey(async (ctx) => {
  const query = parseWith(videoListQuery, Object.fromEntries(new URL(ctx.req.url).searchParams));
  try {
    const page = await listVideoJobs(ctx.db, { accountId: ctx.key.accountId, limit: query.limit ?? 20, order: query.order ?? "desc", after: query.after });
    const data = page.jobs.map(videoJson);
    return json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore });
  } catch (err) {
    if (err instanceof UnknownCursorError)
      throw new ApiError("invalid_request", `Invalid value for 'after': no video with id '${query.after}'. Pass the last_id of a previous page.`, {
        param: "after",
      });
    throw err;
  }
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { PUT, PATCH, DELETE } = otherMethods("GET", "POST");
