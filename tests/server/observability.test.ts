import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq, sql } from "drizzle-orm";
import { usageEvents } from "@/db/schema";
import { rows } from "@/db/rows";
import { createTestDb, whichTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { FAKE_TEXT, fakeUpstreamModels, startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";
import { startServer, type RunningServer } from "@/tests/helpers/server";
import { startTcpProxy, type TcpProxy } from "@/tests/helpers/tcp-proxy";

// Issue 22, items 1 to 4, on the built app in production mode, run as an operator runs it
// (NODE_OPTIONS loads lib/observability/preload.mjs), with PostgreSQL reached through a TCP
// proxy the test can cut, an upstream provider (the fake) and an in-test OTLP/HTTP
// receiver. Known traffic, then:
//  - /metrics: the families, with counts that match the traffic and the usage events;
//  - traces: a span per /v1 request with the GenAI attributes, its children (rate limit,
//    hold, provider, settle), and the provider's `traceparent` in the same trace;
//  - logs: every line of stdout and stderr is a JSON object, one "request" line per /v1
//    request with its ids and cost, and none holds the API key, the prompt or the completion;
//  - health: /readyz 503 naming postgres while it is cut (no connection string), 200 again
//    within seconds of its return; /healthz 200 throughout.

const onPostgres = (await whichTestDb()) === "postgres";
const TOKEN = "observability-test-metrics-token-0123";
const PROMPT_SECRET = "PROMPT-MARKER-7f3a9c";

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: OtlpValue }[];
};

let pg: TestDb;
let proxy: TcpProxy;
let up: FakeUpstream;
let server: RunningServer;
let receiver: http.Server;
const spans: OtlpSpan[] = [];
let account: Awaited<ReturnType<typeof makeAccountWithKey>>;

function attr(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.doubleValue ?? v.boolValue;
}

beforeAll(async () => {
  if (!onPostgres) return;
  pg = await createTestDb();
  account = await makeAccountWithKey(pg.db);
  const target = new URL(pg.url!);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  up = await startFakeUpstream();
  // The OTLP/HTTP receiver (JSON encoding): collects every exported span.
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        const doc = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const otlpPort = (receiver.address() as { port: number }).port;
  server = await startServer({
    DATABASE_URL: proxy.url(pg.url!),
    UPSTREAM_BASE_URL: up.url,
    UPSTREAM_MODELS: fakeUpstreamModels(["usage"]),
    METRICS_TOKEN: TOKEN,
    LOG_LEVEL: "info",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    NODE_OPTIONS: `--import=${path.resolve(import.meta.dirname, "../../lib/observability/preload.mjs")}`,
    LOCAL_SIM_CHUNK_DELAY_MS: "5",
  });
});

afterAll(async () => {
  await server?.stop();
  await up?.close();
  await proxy?.close();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  await pg?.drop();
});

const chat = (model: string, stream = false) =>
  fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${account.secret}`, "content-type": "application/json" },
    body: JSON.stringify({
      model,
      messages: [{ role: "user", content: `${PROMPT_SECRET} say something` }],
      max_tokens: 30,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
  });

async function scrape(): Promise<string> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample (exact label set, in prom-client's label order), or 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  const head = want ? `${name}{${want}} ` : `${name} `;
  const line = text.split("\n").find((l) => l.startsWith(head));
  return line ? Number(line.slice(head.length)) : 0;
}

describe.skipIf(!onPostgres)("operations on the built app: metrics, traces, JSON logs, health", () => {
  const requestIds: string[] = [];

  it("serves known traffic; /metrics counts it exactly, behind its token", { timeout: 120_000 }, async () => {
    // 2 + 1 streamed through the upstream provider, 2 + 1 streamed on the local simulators,
    // one without a key (401, never reaches the limiter).
    for (const [model, stream] of [
      ["fake/usage", false],
      ["fake/usage", false],
      ["fake/usage", true],
      ["local/echo-chat", false],
      ["local/echo-chat", false],
      ["local/lorem-chat", true],
    ] as const) {
      const res = await chat(model, stream);
      expect(res.status).toBe(200);
      await res.text(); // a stream to its end
      requestIds.push(res.headers.get("x-request-id")!);
    }
    const anonymous = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);
    await anonymous.text();

    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token-wrong" } })).status).toBe(401);

    // Every settle committed (usage events written) before the counts are compared.
    await vi.waitFor(async () => expect(await pg.db.select().from(usageEvents).where(eq(usageEvents.accountId, account.accountId))).toHaveLength(6), {
      timeout: 15_000,
    });
    // A settle leaves the pending registry just after its commit is visible: scrape once it has.
    const text = await vi.waitFor(
      async () => {
        const t = await scrape();
        expect(sample(t, "metered_settle_pending")).toBe(0);
        return t;
      },
      { timeout: 15_000, interval: 100 },
    );
    const route = "/v1/chat/completions";
    expect(sample(text, "metered_api_requests_total", { route, model: "fake/usage", status: "200" })).toBe(3);
    expect(sample(text, "metered_api_requests_total", { route, model: "local/echo-chat", status: "200" })).toBe(2);
    expect(sample(text, "metered_api_requests_total", { route, model: "local/lorem-chat", status: "200" })).toBe(1);
    expect(sample(text, "metered_api_requests_total", { route, model: "none", status: "401" })).toBe(1);
    expect(sample(text, "metered_api_request_duration_seconds_count", { route, model: "fake/usage" })).toBe(3);
    expect(sample(text, "metered_time_to_first_token_seconds_count", { model: "fake/usage" })).toBe(1);
    expect(sample(text, "metered_time_to_first_token_seconds_count", { model: "local/lorem-chat" })).toBe(1);
    expect(sample(text, "metered_ratelimit_decisions_total", { tier: "paid", outcome: "allowed" })).toBe(6);
    expect(sample(text, "metered_provider_requests_total", { provider: "upstream", outcome: "ok" })).toBe(3);
    expect(sample(text, "metered_provider_breaker_open", { provider: "upstream" })).toBe(0);
    expect(text).toMatch(/^metered_provider_breaker_open\{provider="upstream"\} 0$/m);
    expect(sample(text, "metered_open_streams")).toBe(0);
    expect(sample(text, "metered_settle_pending")).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    // Spend and tokens are what the usage events say, model by model.
    const byModel = await rows<{ model: string; cost: string; input: number; output: number }>(
      pg.db,
      sql`select model, sum(cost_micro_usd)::text as cost, sum(input_tokens)::int as input, sum(output_tokens)::int as output
          from usage_events where account_id = ${account.accountId} group by model`,
    );
    expect(byModel).toHaveLength(3);
    for (const m of byModel) {
      expect(Number(m.cost)).toBeGreaterThan(0);
      expect(sample(text, "metered_spend_micro_usd_total", { model: m.model })).toBe(Number(m.cost));
      expect(sample(text, "metered_tokens_total", { model: m.model, direction: "input" })).toBe(m.input);
      expect(sample(text, "metered_tokens_total", { model: m.model, direction: "output" })).toBe(m.output);
    }
    // Bounded labels: no key id, account id or request id anywhere.
    expect(text).not.toContain(account.keyId);
    expect(text).not.toContain(account.accountId);
    expect(text).not.toContain("req_");
  });

  it("exports a span per /v1 request with the GenAI attributes, its children, and traceparent upstream", { timeout: 30_000 }, async () => {
    const requestSpan = (id: string) => spans.find((s) => attr(s, "metered.request_id") === id);
    await vi.waitFor(() => expect(requestIds.every((id) => requestSpan(id))).toBe(true), { timeout: 15_000, interval: 200 });
    const [upstreamId, , upstreamStreamId, localId] = requestIds;
    const root = requestSpan(upstreamId)!;
    expect(root.name).toBe("chat fake/usage");
    const [usage] = await pg.db.select().from(usageEvents).where(eq(usageEvents.requestId, upstreamId));
    expect({
      op: attr(root, "gen_ai.operation.name"),
      req: attr(root, "gen_ai.request.model"),
      res: attr(root, "gen_ai.response.model"),
      input: attr(root, "gen_ai.usage.input_tokens"),
      output: attr(root, "gen_ai.usage.output_tokens"),
      provider: attr(root, "gen_ai.provider.name"),
      cost: attr(root, "metered.cost_micro_usd"),
    }).toEqual({
      op: "chat",
      req: "fake/usage",
      res: "fake/usage",
      input: usage.inputTokens,
      output: usage.outputTokens,
      provider: "upstream",
      cost: Number(usage.costMicroUsd),
    });
    await vi.waitFor(
      () => {
        const children = spans.filter((s) => s.traceId === root.traceId && s.parentSpanId === root.spanId).map((s) => s.name);
        expect(children.sort()).toEqual(["hold", "provider upstream", "ratelimit", "settle"]);
      },
      { timeout: 10_000, interval: 200 },
    );
    // The provider received the provider span's context.
    const providerSpan = spans.find((s) => s.traceId === root.traceId && s.name === "provider upstream")!;
    const sent = up.requests.map((r) => String(r.headers.traceparent ?? ""));
    expect(sent).toContain(`00-${root.traceId}-${providerSpan.spanId}-01`);
    // The streamed request's span has the tokens the stream delivered; the local one names no upstream.
    const streamed = requestSpan(upstreamStreamId)!;
    const [streamUsage] = await pg.db.select().from(usageEvents).where(eq(usageEvents.requestId, upstreamStreamId));
    expect(attr(streamed, "gen_ai.usage.output_tokens")).toBe(streamUsage.outputTokens);
    expect(attr(requestSpan(localId)!, "gen_ai.provider.name")).toBe("metered.local");
  });

  it("/readyz follows PostgreSQL: 503 naming it while cut, 200 within seconds of its return; /healthz stays 200", { timeout: 60_000 }, async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", failing: [], checks: { postgres: { ok: true }, migrations: { ok: true } } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await proxy.cut();
    let down: { status: number; body: string } | undefined;
    await vi.waitFor(
      async () => {
        const res = await fetch(`${server.url}/readyz`);
        down = { status: res.status, body: await res.text() };
        expect(down.status).toBe(503);
      },
      { timeout: 10_000, interval: 250 },
    );
    const body = JSON.parse(down!.body) as { status: string; failing: string[] };
    expect(body.status).toBe("unavailable");
    expect(body.failing).toContain("postgres");
    expect(down!.body).not.toContain(String(proxy.port));
    expect(down!.body).not.toMatch(/postgres(ql)?:\/\//);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await proxy.restore();
    const back = Date.now();
    await vi.waitFor(async () => expect((await fetch(`${server.url}/readyz`)).status).toBe(200), { timeout: 10_000, interval: 250 });
    expect(Date.now() - back).toBeLessThan(10_000);
  });

  it("every line the app wrote is a JSON object; one request line per /v1 request; no secret, prompt or completion", async () => {
    // Flushes the logs of the requests above (the last ones end with their settle).
    await new Promise((r) => setTimeout(r, 300));
    const lines = server
      .output()
      .split("\n")
      .filter((l) => l.trim() !== "");
    expect(lines.length).toBeGreaterThan(requestIds.length);
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
    for (const p of parsed) expect(typeof p.level).toBe("string");
    for (const id of requestIds) {
      const line = parsed.find((p) => p.msg === "request" && p.requestId === id);
      expect(line, id).toMatchObject({ accountId: account.accountId, keyId: account.keyId, route: "/v1/chat/completions", status: 200 });
      expect(line!.costMicroUsd).toBeGreaterThan(0);
      expect(typeof line!.latencyMs).toBe("number");
    }
    expect(parsed.find((p) => p.msg === "request" && p.requestId === requestIds[0])).toMatchObject({ provider: "upstream", model: "fake/usage" });
    const all = server.output();
    expect(all).not.toContain(account.secret);
    expect(all).not.toContain(PROMPT_SECRET);
    expect(all).not.toContain(FAKE_TEXT);
    expect(all).not.toContain(TOKEN);
  });
});
