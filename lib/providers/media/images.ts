import { ApiError } from "@/lib/api/errors";
import type { Catalog, ImageModel } from "@/lib/catalog";
import { renderImage } from "@/lib/providers/local/media/image";
import { callUpstreamJson } from "@/lib/providers/upstream/client";

// Image generation on the local simulator or an OpenAI-compatible upstream. The result
// is a list of images either as PNG bytes (ours) or as the upstream's b64_json / url.

export type ImageRequest = {
  model: ImageModel;
  prompt: string;
  n: number;
  width: number;
  height: number;
  responseFormat: "b64_json" | "url";
  /** The client's body (unknown OpenAI parameters are forwarded upstream). */
  body: Record<string, unknown>;
  signal: AbortSignal;
};

export type GeneratedImage = { png: Buffer } | { b64Json: string; revisedPrompt?: string } | { url: string; revisedPrompt?: string };

export async function generateImages(catalog: Catalog, req: ImageRequest): Promise<GeneratedImage[]> {
  if (req.model.provider === "local") {
    const out: GeneratedImage[] = [];
    for (let i = 0; i < req.n; i++) {
      if (req.signal.aborted) break; // stop work for a client that left; bill what was made
      out.push({ png: renderImage(req.prompt, req.width, req.height, i).png });
      await new Promise((r) => setImmediate(r)); // let other requests run between images
    }
    return out;
  }
  if (!catalog.upstream) throw new ApiError("service_unavailable", `The upstream for ${req.model.id} is not configured.`);
  const { max_cost: _mc, ...rest } = req.body;
  const data = await callUpstreamJson<{ data?: unknown }>(catalog.upstream, {
    path: "/images/generations",
    body: { ...rest, model: req.model.upstreamModel ?? req.model.id, n: req.n, size: `${req.width}x${req.height}`, response_format: req.responseFormat },
    signal: req.signal,
  });
  if (!Array.isArray(data.data)) throw new ApiError("upstream_error", "The upstream image server answered without a data list.");
  // Never bill (or return) more images than were asked for and reserved.
  return data.data.slice(0, req.n).flatMap((item: Record<string, unknown>): GeneratedImage[] => {
    const revisedPrompt = typeof item?.revised_prompt === "string" ? item.revised_prompt : undefined;
    if (typeof item?.b64_json === "string") return [{ b64Json: item.b64_json, revisedPrompt }];
    if (typeof item?.url === "string") return [{ url: item.url, revisedPrompt }];
    return [];
  });
}
