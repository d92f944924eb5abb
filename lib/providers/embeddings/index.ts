import type { Catalog, EmbeddingModel } from "@/lib/catalog";
import { callUpstreamJson, ProviderError } from "@/lib/providers/upstream/client";
import { routeToProviders, type ProviderTrace } from "@/lib/providers/upstream/routing";
import { embeddingBase64, simulateEmbedding } from "./local";

// Embeddings on the local simulator or an OpenAI-compatible upstream. Billed per input
// token: the request reserves its exact input count (there is no output), and settles to
// the upstream's reported prompt_tokens when it gives a valid one (capped at the
// reservation by the meter), else to our count.

export type EmbeddingRequest = {
  model: EmbeddingModel;
  /** The client's body, unknown OpenAI parameters included (forwarded upstream). */
  body: Record<string, unknown>;
  /** Each input as token ids (strings encoded with our tokenizer). */
  inputs: number[][];
  inputTokens: number;
  dimensions: number;
  encodingFormat: "float" | "base64";
  signal: AbortSignal;
  /** Which provider served, and how many were tried (on the usage event). */
  trace: ProviderTrace;
};

export type EmbeddingResult = { data: Record<string, unknown>[]; inputTokens: number; source: "provider" | "estimate" };

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

export async function embed(catalog: Catalog, req: EmbeddingRequest): Promise<EmbeddingResult> {
  if (req.model.provider === "local") {
    // ~3 µs per token: a full 300,000-token request is about a second of CPU, so other
    // requests get the event loop between inputs.
    const data: Record<string, unknown>[] = [];
    for (const [index, tokens] of req.inputs.entries()) {
      const vector = simulateEmbedding(tokens, req.dimensions);
      data.push({ object: "embedding", index, embedding: req.encodingFormat === "base64" ? embeddingBase64(vector) : Array.from(vector) });
      if (index % 8 === 7) await new Promise((r) => setImmediate(r));
    }
    return { data, inputTokens: req.inputTokens, source: "provider" };
  }
  // As sent: only the model id mapped and our max_cost removed.
  const { max_cost: _maxCost, ...rest } = req.body;
  const answer = await routeToProviders(catalog, req.model, req.trace, req.signal, async (provider, providerModel) => {
    const d = await callUpstreamJson<{ data?: unknown; usage?: { prompt_tokens?: unknown } }>(provider, {
      path: "/embeddings",
      body: { ...rest, model: providerModel },
      signal: req.signal,
    });
    if (!Array.isArray(d?.data) || d.data.length !== req.inputs.length) {
      throw new ProviderError("upstream_error", "The upstream embedding server answered without one embedding per input.", { retryable: true });
    }
    return d as { data: unknown[]; usage?: { prompt_tokens?: unknown } };
  });
  const reported = answer.usage?.prompt_tokens;
  return {
    data: answer.data as Record<string, unknown>[],
    ...(isCount(reported) ? { inputTokens: reported, source: "provider" as const } : { inputTokens: req.inputTokens, source: "estimate" as const }),
  };
}
