import type { CatalogModel } from "@/lib/catalog";
import { costMicroUsd, type Units } from "@/lib/metering/cost";
import { spendableMicroUsd } from "@/lib/metering/credits";
import { keySpentMicroUsd } from "@/lib/metering/spend-limits";
import { projectBudgetWouldRefuse } from "@/lib/metering/project-limits";
import { microToUsdNumber } from "@/lib/money";
import { ApiError } from "./errors";
import type { ApiContext, ApiRoute } from "./with-api-key";

// POST /v1/quote: the worst-case cost of a /v1 request, without running it. The request's
// own route handler runs, with every check it makes (body, model, parameters, context,
// media), up to the point where it would hold credit: there, instead of reserving, the quote
// takes the worst case the handler asked to hold and stops it. So a quote is the hold the
// request would take, by construction, for every modality; no model is called and nothing
// is charged or held. Errors are the ones the request itself would get.

/** Thrown from the quoting context's openMeter: the handler's hold, and the end of its run. */
class QuoteReached {
  constructor(
    readonly model: CatalogModel,
    readonly worstCase: Units,
    readonly maxCostMicroUsd: bigint | null,
  ) {}
}

export type QuotableRoutes = Record<string, ApiRoute>;

const UNIT_NAMES: Record<keyof Units, string> = {
  inputTokens: "input_tokens",
  cachedInputTokens: "cached_input_tokens",
  outputTokens: "output_tokens",
  reasoningTokens: "reasoning_tokens",
  images: "images",
  imageQuality: "image_quality",
  imageSize: "image_size",
  videoSeconds: "video_seconds",
  characters: "characters",
  audioMs: "audio_ms",
};

/** The inner request: JSON, or for a transcription multipart with `file` decoded from base64. */
function innerRequest(ctx: ApiContext<unknown>, path: string, body: Record<string, unknown>): Request {
  const url = new URL(path, ctx.req.url);
  const headers = new Headers();
  for (const name of ["authorization", "x-max-cost"]) {
    const v = ctx.req.headers.get(name);
    if (v !== null) headers.set(name, v);
  }
  if (path !== "/v1/audio/transcriptions") {
    headers.set("content-type", "application/json");
    return new Request(url, { method: "POST", headers, body: JSON.stringify(body) });
  }
  const { file, filename, ...fields } = body;
  if (typeof file !== "string") {
    throw new ApiError("invalid_request", "A transcription is priced by its audio's duration, measured from the file: send body.file as base64 audio.", {
      param: "body.file",
    });
  }
  const form = new FormData();
  form.set("file", new Blob([Buffer.from(file, "base64")]), typeof filename === "string" ? filename : "audio");
  for (const [k, v] of Object.entries(fields)) form.set(k, typeof v === "string" ? v : JSON.stringify(v));
  return new Request(url, { method: "POST", headers, body: form });
}

export async function quote(ctx: ApiContext<unknown>, routes: QuotableRoutes, input: { path: string; body: Record<string, unknown> }) {
  const route = routes[input.path];
  if (!route) {
    throw new ApiError("invalid_request", `Cannot quote '${input.path}': quotable paths are ${Object.keys(routes).join(", ")}.`, { param: "path" });
  }
  const inner: ApiContext = {
    ...(ctx as ApiContext),
    req: innerRequest(ctx, input.path, input.body),
    params: {},
    openMeter: async ({ model, worstCase, maxCostMicroUsd }) => {
      throw new QuoteReached(model, worstCase, maxCostMicroUsd ?? null);
    },
  };
  let reached: QuoteReached | null = null;
  try {
    await route.handler(inner);
  } catch (err) {
    if (!(err instanceof QuoteReached)) throw err;
    reached = err;
  }
  if (!reached) throw new ApiError("invalid_request", `'${input.path}' holds no credit: it is free.`, { param: "path" });

  const worst = costMicroUsd(reached.model, reached.worstCase);
  // The project's allowlist answers 403 here as on the request; its budget is a refusal.
  const overProjectBudget = await projectBudgetWouldRefuse(ctx.db, ctx.key, reached.model, worst);
  const spendable = await spendableMicroUsd(ctx.db, ctx.key.accountId);
  const refusals: string[] = [];
  if (reached.maxCostMicroUsd !== null && worst > reached.maxCostMicroUsd) refusals.push("max_cost_exceeded");
  if (worst > spendable) refusals.push("insufficient_quota");
  if (ctx.key.spendLimitMicroUsd !== null && ctx.key.spendLimitPeriod) {
    const { spentMicroUsd } = await keySpentMicroUsd(ctx.db, { keyId: ctx.key.keyId, period: ctx.key.spendLimitPeriod });
    if (spentMicroUsd + worst > ctx.key.spendLimitMicroUsd) refusals.push("key_spend_limit_exceeded");
  }
  if (overProjectBudget) refusals.push("project_budget_exceeded");
  const units: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(reached.worstCase)) if (v !== undefined) units[UNIT_NAMES[k as keyof Units] ?? k] = v;
  return {
    object: "quote",
    path: input.path,
    model: reached.model.id,
    modality: reached.model.modality,
    worst_case_cost: microToUsdNumber(worst),
    worst_case_cost_micro_usd: Number(worst),
    units,
    affordable: refusals.length === 0,
    /** What the request would be refused with now (402 codes), empty when it would be held. */
    refusals,
    credit_remaining: microToUsdNumber(spendable),
    credit_remaining_micro_usd: Number(spendable),
  };
}
