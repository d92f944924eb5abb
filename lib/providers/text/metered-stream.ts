import { ApiError } from "@/lib/errors";
import type { Meter } from "@/lib/metering/meter";
import { countTextTokens } from "./tokens";
import type { StreamEvents, TextUsage } from "./types";

// Turns a provider's stream into the SSE response, metering as it goes. Settling happens
// in exactly one of three places, whichever comes first:
//   - the stream finished: settle to the reported (or counted) usage, then send the usage
//     chunk if asked (stream_options.include_usage) and [DONE];
//   - the provider failed mid-way: settle to what was delivered, send an error event;
//   - the client went away: ReadableStream.cancel() fires (request.signal may not, in
//     Next route handlers on Node), we abort the provider and settle to what was delivered,
//     with aborted: true.
//   - nobody ever read the response: Next.js drops a response whose client was gone before
//     it started piping without cancelling its body (node_modules/next/dist/server/
//     pipe-readable.js returns early), so neither of the above fires. If the first chunk
//     has not been read streamTimeouts.unreadMs after the response was created, the
//     client is gone: we abort the provider and settle to nothing (nothing reached it).
//     Without this the request's hold stayed until the sweeper (15 min), and a hold inside
//     a credit lease would have kept the lease open.
// The pull-based stream forwards chunk by chunk and never buffers ahead of the client.

/** How long a streamed response may go unread before its client is presumed gone (tests shorten it). */
export const streamTimeouts = { unreadMs: 10_000 };

const encoder = new TextEncoder();
const sse = (data: unknown) => encoder.encode(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);

export type MeteredStreamInput = {
  events: StreamEvents;
  meter: Meter;
  /** Our count of the prompt, used when the provider reports no usage. */
  inputTokens: number;
  includeUsage: boolean;
  /** Aborts the provider's work (the upstream HTTP request, the simulator's loop). */
  abort: (reason?: unknown) => void;
  /** True once the client is known to be gone by another route (request.signal). */
  clientGone?: () => boolean;
  /** The chunk that carries usage: same id/object/model as the others, empty choices. */
  usageChunk: (usage: TextUsage, chargedMicroUsd: bigint) => Record<string, unknown>;
  headers?: HeadersInit;
};

export function meteredStreamResponse(input: MeteredStreamInput): Response {
  const { events, meter } = input;
  let closed = false;
  let text = "";
  let exactTokens = 0;
  let allExact = true;
  let reported: TextUsage | null = null;

  // Delivered output: the provider's exact count when every chunk carried one (simulators),
  // else our tokenizer over the text actually forwarded.
  // Nothing delivered (failed or closed before the first token): the model did no work the
  // client could use, so nothing is charged, not even the prompt.
  const delivered = (): TextUsage => {
    const outputTokens = allExact ? exactTokens : countTextTokens(text);
    // Counted by us unless every chunk carried its exact count (a provider's final report
    // covers the whole answer, not what was delivered before a cut).
    const source = allExact ? "provider" : "estimate";
    return outputTokens > 0 ? { source, inputTokens: input.inputTokens, outputTokens } : { source, inputTokens: 0, outputTokens: 0 };
  };

  const deliveredUnits = () => {
    const units = delivered();
    return { units, source: units.source };
  };

  const settleAborted = () =>
    meter
      .settle({ ...deliveredUnits(), status: "aborted", httpStatus: 200, aborted: true })
      .catch((e) => console.error(`[api] ${meter.requestId}: settle after abort failed`, e));

  // The stream pulls its first chunk by itself (highWaterMark 1); the second pull means the
  // consumer took the first one, i.e. the response is being piped to a client.
  let pulls = 0;
  const unread = setTimeout(() => {
    if (closed || pulls > 1) return;
    closed = true;
    input.abort(new Error("the response was never read"));
    events.return(undefined).catch(() => {});
    void meter
      .settle({ units: {}, status: "aborted", httpStatus: 200, aborted: true })
      .catch((e) => console.error(`[api] ${meter.requestId}: settle of an unread stream failed`, e));
  }, streamTimeouts.unreadMs);
  unread.unref?.();

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (++pulls > 1) clearTimeout(unread);
      try {
        for (;;) {
          const next = await events.next();
          if (closed) return;
          if (next.done) {
            closed = true;
            if (input.clientGone?.()) {
              await settleAborted();
              controller.close();
              return;
            }
            const usage = reported ?? delivered();
            let chargedMicroUsd: bigint;
            try {
              ({ chargedMicroUsd } = await meter.settle({ units: usage, source: usage.source, status: "ok", httpStatus: 200 }));
            } catch (e) {
              // The reservation stays and the sweeper releases it; the client is not left hanging.
              console.error(`[api] ${meter.requestId}: settle failed`, e);
              controller.enqueue(sse(new ApiError("internal_error", `Billing failed at the end of the stream (request id ${meter.requestId}).`).toJSON()));
              controller.close();
              return;
            }
            if (input.includeUsage) {
              controller.enqueue(sse(input.usageChunk(usage, chargedMicroUsd)));
            }
            controller.enqueue(sse("[DONE]"));
            controller.close();
            return;
          }
          const ev = next.value;
          if (ev.type === "sse") {
            if (ev.usage) reported = ev.usage;
            if (!ev.data) continue;
            text += ev.text;
            allExact = false;
            controller.enqueue(encoder.encode(ev.data));
            return;
          }
          if (ev.type === "usage") {
            reported = ev.usage;
            continue;
          }
          text += ev.text;
          if (ev.tokens === undefined) allExact = false;
          else exactTokens += ev.tokens;
          controller.enqueue(sse(ev.chunk));
          return;
        }
      } catch (err) {
        if (closed) return;
        closed = true;
        if (input.clientGone?.()) {
          await settleAborted();
          controller.close();
          return;
        }
        const error = err instanceof ApiError ? err : new ApiError("upstream_error", "The model failed mid-stream.");
        if (!(err instanceof ApiError)) console.error(`[api] ${meter.requestId}: stream failed`, err);
        input.abort(err);
        // Bill what was delivered before the failure; the client already has those tokens.
        await meter
          .settle({ ...deliveredUnits(), status: "upstream_error", httpStatus: 200, errorCode: error.code })
          .catch((e) => console.error(`[api] ${meter.requestId}: settle failed`, e));
        controller.enqueue(sse(error.toJSON()));
        controller.close();
      }
    },
    async cancel() {
      if (closed) return;
      closed = true;
      input.abort(new Error("client closed the stream"));
      events.return(undefined).catch(() => {});
      await settleAborted();
    },
  });

  meter.detached = true; // the stream settles; the wrapper must not release it
  const headers = new Headers(input.headers);
  headers.set("content-type", "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache, no-transform");
  headers.set("x-accel-buffering", "no");
  return new Response(stream, { status: 200, headers });
}
