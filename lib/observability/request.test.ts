import { beforeEach, describe, expect, it } from "vitest";
import { metrics } from "./metrics";
import { observeProviderAttempt, observeRequest, observeSettle } from "./request";

// The observation of one /v1 request without a server: a stream stays open (metered_open_streams)
// until its meter settles, and only then is it counted with its duration; provider attempts
// are counted by outcome. (The built app's counts: tests/server/observability.test.ts.)

const value = async (name: string, labels: Record<string, string> = {}) => {
  const metric = (await metrics().registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value ?? 0;
};

beforeEach(() => metrics().registry.resetMetrics());

const sse = () => new Response("data: x\n\n", { headers: { "content-type": "text/event-stream" } });
const key = { accountId: "acct_t", keyId: "key_t", tier: "paid" };

describe("a streamed request", () => {
  it("is an open stream until its meter settles, then counted once with its model", async () => {
    const req = new Request("http://localhost/v1/chat/completions", { method: "POST" });
    const obs = observeRequest(req, "req_stream1", performance.now());
    obs.identify(key);
    obs.setModel("local/lorem-chat");
    const meter = { requestId: "req_stream1", model: { id: "local/lorem-chat" }, trace: { provider: null }, settled: false, detached: true };
    obs.responded(sse(), [meter]);
    expect(await value("metered_open_streams")).toBe(1);
    expect(await value("metered_api_requests_total", { model: "local/lorem-chat" })).toBe(0);

    meter.settled = true;
    observeSettle(meter, { units: { inputTokens: 7, outputTokens: 40 }, status: "aborted" }, { cost: 90n, charged: 90n, commit: Promise.resolve() });
    expect(await value("metered_open_streams")).toBe(0);
    expect(await value("metered_api_requests_total", { route: "/v1/chat/completions", model: "local/lorem-chat", status: "200" })).toBe(1);
    expect(await value("metered_tokens_total", { model: "local/lorem-chat", direction: "output" })).toBe(40);
    expect(await value("metered_spend_micro_usd_total", { model: "local/lorem-chat" })).toBe(90);
    const ttft = (await metrics().registry.getMetricsAsJSON()).find((m) => m.name === "metered_time_to_first_token_seconds")!;
    const count = ttft.values.find((v) => (v as { metricName?: string }).metricName === "metered_time_to_first_token_seconds_count");
    expect(count?.value).toBe(1);
  });

  it('a plain answer is counted when it is returned; a refusal before any model is model "none"', async () => {
    const req = new Request("http://localhost/v1/embeddings", { method: "POST" });
    observeRequest(req, "req_plain1", performance.now()).responded(Response.json({}, { status: 429 }), []);
    expect(await value("metered_api_requests_total", { route: "/v1/embeddings", model: "none", status: "429" })).toBe(1);
    expect(await value("metered_open_streams")).toBe(0);
  });
});

describe("provider attempts", () => {
  const fail = (e: object) => () => Promise.reject(Object.assign(new Error("x"), e));
  it("are counted by outcome: ok, timeout, error (retryable), rejected (the provider's 4xx), aborted", async () => {
    const live = new AbortController().signal;
    await observeProviderAttempt("p1", live, async () => 1);
    await observeProviderAttempt("p1", live, fail({ code: "upstream_timeout", retryable: true })).catch(() => {});
    await observeProviderAttempt("p1", live, fail({ code: "upstream_error", retryable: true, providerStatus: 503 })).catch(() => {});
    await observeProviderAttempt("p1", live, fail({ code: "invalid_request", retryable: false, providerStatus: 400 })).catch(() => {});
    const gone = new AbortController();
    gone.abort();
    await observeProviderAttempt("p1", gone.signal, fail({ code: "upstream_error", retryable: true })).catch(() => {});
    for (const outcome of ["ok", "timeout", "error", "rejected", "aborted"]) {
      expect(await value("metered_provider_requests_total", { provider: "p1", outcome }), outcome).toBe(1);
    }
  });

  it("rethrows the attempt's error unchanged", async () => {
    const err = Object.assign(new Error("refused"), { code: "invalid_request", retryable: false, providerStatus: 400 });
    await expect(observeProviderAttempt("p2", new AbortController().signal, () => Promise.reject(err))).rejects.toBe(err);
  });
});
