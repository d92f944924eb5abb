import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";

// /metrics' gate and the exposition's families; the logger's JSON lines and console routing.
// Each case imports the modules afresh with its own environment (lib/env.ts reads it once).

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
  delete (globalThis as { __metered?: unknown }).__metered;
});

async function load(env: Record<string, string | undefined>) {
  vi.resetModules();
  delete (globalThis as { __metered?: unknown }).__metered;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return import("./endpoints");
}

const get = (headers: Record<string, string> = {}) => new Request("http://localhost/metrics", { headers });

describe("/metrics", () => {
  it("is 404 when METRICS_TOKEN is not configured, whatever the request sends", async () => {
    const { metricsResponse } = await load({ METRICS_TOKEN: undefined });
    expect((await metricsResponse(get({ authorization: "Bearer anything-at-all-1234" }))).status).toBe(404);
  });

  it("is 401 without the token or with a wrong one, and the exposition with it", async () => {
    const token = "metrics-token-0123456789abcdef";
    const { metricsResponse } = await load({ METRICS_TOKEN: token });
    expect((await metricsResponse(get())).status).toBe(401);
    expect((await metricsResponse(get({ authorization: "Bearer metrics-token-0123456789abcdeX" }))).status).toBe(401);
    expect((await metricsResponse(get({ authorization: `Basic ${token}` }))).status).toBe(401);
    const ok = await metricsResponse(get({ authorization: `Bearer ${token}` }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await ok.text();
    for (const family of [
      "metered_api_requests_total",
      "metered_api_request_duration_seconds",
      "metered_time_to_first_token_seconds",
      "metered_spend_micro_usd_total",
      "metered_tokens_total",
      "metered_ratelimit_decisions_total",
      "metered_provider_requests_total",
      "metered_provider_breaker_open",
      "metered_open_streams",
      "metered_settle_pending",
      "process_cpu_user_seconds_total",
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
  });

  it("rejects a METRICS_TOKEN too short to be a secret, naming the variable", async () => {
    const { parseEnv } = await import("@/lib/env");
    expect(() => parseEnv({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
  });
});

describe("labels", () => {
  it("routes come from the fixed table and models from the catalog; anything else is bounded", async () => {
    const { routeLabel, modelLabel } = await import("./metrics");
    expect(routeLabel("/v1/chat/completions")).toBe("/v1/chat/completions");
    expect(routeLabel("/v1/models/local%2Fecho-chat")).toBe("/v1/models/{id}");
    expect(routeLabel("/v1/videos/vid_123/content")).toBe("/v1/videos/{id}/content");
    expect(routeLabel("/v1/anything/a-user-typed")).toBe("other");
    const known = (id: string) => id === "local/echo-chat";
    expect(modelLabel("local/echo-chat", known)).toBe("local/echo-chat");
    expect(modelLabel("gpt-made-up-by-a-client", known)).toBe("other");
    expect(modelLabel(null, known)).toBe("none");
  });
});

describe("logger", () => {
  const capture = () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        cb();
      },
    });
    return { lines, sink };
  };

  it("writes one JSON object per line with the level as a word; LOG_LEVEL filters; secrets are redacted", async () => {
    const { createLogger } = await import("./logger");
    const { lines, sink } = capture();
    const log = createLogger("warn", sink);
    log.info("hidden");
    log.warn({ authorization: "Bearer sk-live-secret", nested: { password: "hunter2" } }, "shown");
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: "warn", msg: "shown", authorization: "[redacted]", nested: { password: "[redacted]" } });
    expect(lines[0]).not.toContain("sk-live-secret");
    expect(lines[0]).not.toContain("hunter2");
  });

  it("routes console.* through the logger: one line per call, an Error with its stack", async () => {
    const { createLogger, routeConsoleToLogger } = await import("./logger");
    const { lines, sink } = capture();
    const original = { ...console };
    try {
      routeConsoleToLogger(createLogger("info", sink));
      console.log("[media] deleted %d artifacts", 3);
      console.error("[api] req_1 failed:", new Error("boom"));
    } finally {
      Object.assign(console, original);
    }
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l));
    expect(a).toMatchObject({ level: "info", msg: "[media] deleted 3 artifacts" });
    expect(b).toMatchObject({ level: "error", msg: "[api] req_1 failed:", err: { type: "Error", message: "boom" } });
    expect(b.err.stack).toContain("endpoints.test.ts");
  });
});
