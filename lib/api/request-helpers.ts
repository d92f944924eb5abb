import type { Catalog, CatalogModel, Modality, ModelOf } from "@/lib/catalog";
import { parseUsd } from "@/lib/money";
import { ApiError } from "./errors";
import { textBody } from "./small-body";

const ENDPOINT_FOR: Record<Modality, string> = {
  chat: "/v1/chat/completions",
  completion: "/v1/completions",
  image: "/v1/images/generations",
  video: "/v1/videos",
  tts: "/v1/audio/speech",
  stt: "/v1/audio/transcriptions",
  embedding: "/v1/embeddings",
};

/** The catalog entry for `id`, or 404 model_not_found / 400 when it serves another endpoint. */
export function resolveModel<M extends Modality>(catalog: Catalog, id: string, modality: M): ModelOf<M> {
  const model: CatalogModel | undefined = catalog.get(id);
  if (!model) {
    throw new ApiError("model_not_found", `The model '${id}' does not exist or you do not have access to it. GET /v1/models lists the available models.`, {
      param: "model",
    });
  }
  if (model.modality !== modality) {
    throw new ApiError(
      "model_wrong_endpoint",
      `'${id}' is a ${model.modality} model and is not supported on ${ENDPOINT_FOR[modality]}; use ${ENDPOINT_FOR[model.modality]}.`,
      { param: "model" },
    );
  }
  return model as ModelOf<M>;
}

/**
 * The per-request spend cap in micro-USD, from the `max_cost` body field (USD number) and/or
 * the `x-max-cost` header (USD string); the stricter wins. null when neither is sent.
 */
export function maxCostFrom(req: Request, bodyMaxCost: unknown): bigint | null {
  const caps: bigint[] = [];
  if (bodyMaxCost !== undefined && bodyMaxCost !== null) caps.push(parseCap(bodyMaxCost, "max_cost"));
  const header = req.headers.get("x-max-cost");
  if (header !== null) caps.push(parseCap(header, "x-max-cost"));
  if (!caps.length) return null;
  return caps.reduce((a, b) => (b < a ? b : a));
}

function parseCap(value: unknown, param: string): bigint {
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : typeof value === "string" ? value : "";
  const micro = parseUsd(text, 6);
  if (micro === null || micro <= 0n) {
    throw new ApiError("invalid_request", `Invalid ${param}: expected a positive amount in USD with at most 6 decimals, e.g. 0.05.`, { param });
  }
  return micro;
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  return new Response(textBody(JSON.stringify(body), headers), { ...init, headers });
}
