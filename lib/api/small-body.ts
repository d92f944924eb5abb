// `next start` gzips every compressible answer for a client that accepts it (the openai
// SDKs do: Node's fetch and httpx send `accept-encoding: gzip, deflate`). Next forwards no
// Content-Length from a route handler, so the compression middleware's own 1 KiB
// threshold never applies and even a 300-byte error is gzipped. For our small JSON
// answers that costs more than it saves: measured with
// `BENCH_HEADERS='{"accept-encoding":"gzip, deflate"}' npm run bench -- gateway`, about
// 0.15-0.25 ms of CPU per request (roughly a fifth of a metered request's CPU) to save a
// few hundred bytes. So an answer under the threshold says `no-transform`, which the
// middleware honours; larger ones (model lists, images as base64, long completions) are
// still compressed. Streams always say no-transform (lib/providers/text/metered-stream.ts).

/** The compression middleware's own default threshold, in bytes. */
export const COMPRESS_MIN_BYTES = 1024;

/** A response with this text body: `no-transform` on `headers` when the body is under the threshold. */
export function textBody(text: string, headers: Headers): string {
  // UTF-16 length ≤ UTF-8 byte length, so a short string by length may still be a little
  // over 1 KiB in bytes: erring on the side of not compressing, never the other way.
  if (text.length < COMPRESS_MIN_BYTES) {
    const cc = headers.get("cache-control");
    headers.set("cache-control", cc ? `${cc}, no-transform` : "no-transform");
  }
  return text;
}
