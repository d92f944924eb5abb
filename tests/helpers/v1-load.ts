// Shared by the load and fault tests: one /v1 request of a given kind against a real
// server, reduced to what the money checks need (status, request id, reported cost).

export type Kind = "chat" | "stream" | "image" | "speech";

export type Outcome = {
  kind: Kind;
  status: number;
  requestId: string | null;
  /** usage.cost_micro_usd (JSON and the stream's usage chunk) or x-cost-micro-usd (audio). */
  costMicroUsd: bigint | null;
  /** The OpenAI error object when the answer (or an event in the stream) was an error. */
  error: { message: string; type: string; param: string | null; code: string | null } | null;
  /** Network failure before any answer (e.g. the server was killed). */
  networkError?: string;
};

export function requestFor(kind: Kind, i: number, streamTokens = 60): { path: string; body: Record<string, unknown> } {
  switch (kind) {
    case "chat":
      return i % 2
        ? { path: "/v1/chat/completions", body: { model: "local/echo-chat", messages: [{ role: "user", content: `echo number ${i}` }], max_tokens: 64 } }
        : { path: "/v1/chat/completions", body: { model: "local/lorem-chat", messages: [{ role: "user", content: `plain ${i}` }], max_tokens: 40 } };
    case "stream":
      return {
        path: "/v1/chat/completions",
        body: {
          model: "local/lorem-chat",
          messages: [{ role: "user", content: `stream ${i}` }],
          max_tokens: streamTokens,
          stream: true,
          stream_options: { include_usage: true },
        },
      };
    case "image":
      return { path: "/v1/images/generations", body: { model: "local/image-sim", prompt: `a fox number ${i}`, size: "256x256", response_format: "url" } };
    case "speech":
      return {
        path: "/v1/audio/speech",
        body: { model: "local/tts-sim", input: `Speech request number ${i}, spoken aloud.`, voice: "alloy", response_format: "wav" },
      };
  }
}

/** Sends one request and reads the whole answer (the stream to its end). */
export async function send(
  baseUrl: string,
  secret: string,
  kind: Kind,
  i: number,
  init: { signal?: AbortSignal; streamTokens?: number; onHeaders?: (status: number) => void } = {},
): Promise<Outcome> {
  const { path, body } = requestFor(kind, i, init.streamTokens);
  let res: Response;
  try {
    res = await fetch(baseUrl + path, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: init.signal,
    });
  } catch (err) {
    return { kind, status: 0, requestId: null, costMicroUsd: null, error: null, networkError: String((err as Error).cause ?? err) };
  }
  init.onHeaders?.(res.status);
  const requestId = res.headers.get("x-request-id");
  const out: Outcome = { kind, status: res.status, requestId, costMicroUsd: null, error: null };
  try {
    if (res.status !== 200) {
      out.error = ((await res.json()) as { error: Outcome["error"] }).error;
      return out;
    }
    if (kind === "speech") {
      await res.arrayBuffer();
      const h = res.headers.get("x-cost-micro-usd");
      out.costMicroUsd = h === null ? null : BigInt(h);
      return out;
    }
    if (kind === "stream") {
      const text = await res.text();
      for (const event of text.split("\n\n")) {
        const data = event.replace(/^data: /, "").trim();
        if (!data || data === "[DONE]") continue;
        const parsed = JSON.parse(data) as { usage?: { cost_micro_usd: number }; error?: Outcome["error"] };
        if (parsed.error) out.error = parsed.error;
        if (parsed.usage) out.costMicroUsd = BigInt(parsed.usage.cost_micro_usd);
      }
      return out;
    }
    const json = (await res.json()) as { usage?: { cost_micro_usd: number } };
    out.costMicroUsd = json.usage ? BigInt(json.usage.cost_micro_usd) : null;
    return out;
  } catch (err) {
    out.networkError = String((err as Error).cause ?? err);
    return out;
  }
}

/** Runs `count` jobs with at most `concurrency` in flight. */
export async function pool<T>(count: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          results[i] = await job(i);
        } finally {
          inFlight--;
        }
      }
    }),
  );
  (pool as { lastMaxInFlight?: number }).lastMaxInFlight = maxInFlight;
  return results;
}

/** Deterministic shuffle (mulberry32), so a failing mix can be replayed. */
export function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
