import { getDb } from "@/db/client";
import { newId } from "@/lib/ids";
import { loadArtifact } from "@/lib/media/artifacts";

export const dynamic = "force-dynamic";

// Image URLs returned for response_format "url". The id is a long random capability and
// expires after an hour, like OpenAI's image URLs, so no API key is needed to fetch it.
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const requestId = newId("req");
  const { id } = await ctx.params;
  const artifact = /^art_[0-9A-Za-z]{24}$/.test(id) ? await loadArtifact(await getDb(), { id }) : null;
  if (!artifact || !artifact.contentType.startsWith("image/")) {
    return new Response(
      JSON.stringify({ error: { message: "No such image, or its URL has expired.", type: "invalid_request_error", param: null, code: "not_found" } }),
      {
        status: 404,
        headers: { "content-type": "application/json", "x-request-id": requestId },
      },
    );
  }
  return new Response(new Uint8Array(artifact.bytes), {
    headers: {
      "content-type": artifact.contentType,
      "content-length": String(artifact.byteLength),
      "cache-control": "private, max-age=3600",
      "x-request-id": requestId,
    },
  });
}
