import type { Catalog, ImageModel } from "@/lib/catalog";
import { renderImage } from "@/lib/providers/local/media/image";
import { callUpstreamJson, ProviderError } from "@/lib/providers/upstream/client";
import { routeToProviders, type ProviderTrace } from "@/lib/providers/upstream/routing";

// Image generation on the local simulator or an OpenAI-compatible upstream. The result
// is a list of images either as PNG bytes (ours) or as the upstream's b64_json / url.

export type ImageRequest = {
  model: ImageModel;
  prompt: string;
  n: number;
  width: number;
  height: number;
  responseFormat: "b64_json" | "url";
  /** The client's body: what reaches the provider, as sent (model id mapped, max_cost removed). */
  body: Record<string, unknown>;
  signal: AbortSignal;
  trace: ProviderTrace;
};

export type GeneratedImage = { png: Buffer } | { b64Json: string; revisedPrompt?: string } | { url: string; revisedPrompt?: string };

/** The images, and what the provider said about them (quality and size it used, its usage) for billing and the answer. */
export type ImageResult = { images: GeneratedImage[]; quality?: string; size?: string; providerUsage?: Record<string, unknown> };

export async function generateImages(catalog: Catalog, req: ImageRequest): Promise<ImageResult> {
  if (req.model.provider === "local") {
    const out: GeneratedImage[] = [];
    for (let i = 0; i < req.n; i++) {
      if (req.signal.aborted) break; // stop work for a client that left; bill what was made
      out.push({ png: renderImage(req.prompt, req.width, req.height, i).png });
      await new Promise((r) => setImmediate(r)); // let other requests run between images
    }
    return { images: out };
  }
  // As sent: no response_format, size or n added (gpt-image models refuse response_format,
  // and the provider's own defaults are what the client asked for by leaving them out).
  const { max_cost: _mc, ...rest } = req.body;
  const data = await routeToProviders(catalog, req.model, req.trace, req.signal, async (provider, providerModel) => {
    const d = await callUpstreamJson<{ data?: unknown; quality?: unknown; size?: unknown; usage?: unknown }>(provider, {
      path: "/images/generations",
      body: { ...rest, model: providerModel },
      signal: req.signal,
    });
    if (!Array.isArray(d?.data)) throw new ProviderError("upstream_error", "The upstream image server answered without a data list.", { retryable: true });
    return d as { data: unknown[]; quality?: unknown; size?: unknown; usage?: unknown };
  });
  // Never bill (or return) more images than were asked for and reserved.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an upstream's image item, each field checked below
  const images = data.data.slice(0, req.n).flatMap((item: any): GeneratedImage[] => {
    const revisedPrompt = typeof item?.revised_prompt === "string" ? item.revised_prompt : undefined;
    if (typeof item?.b64_json === "string") return [{ b64Json: item.b64_json, revisedPrompt }];
    if (typeof item?.url === "string") return [{ url: item.url, revisedPrompt }];
    return [];
  });
  const str = (v: unknown) => (typeof v === "string" && v.length <= 32 ? v : undefined);
  const usage = typeof data.usage === "object" && data.usage !== null ? (data.usage as Record<string, unknown>) : undefined;
  return { images, quality: str(data.quality), size: str(data.size), providerUsage: usage };
}
