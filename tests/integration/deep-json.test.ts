import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCatalog } from "@/lib/catalog";
import { MAX_JSON_DEPTH } from "@/lib/api/body";
import { breakerFor } from "@/lib/providers/upstream/routing";
import { appFetch } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";
import { integrationApp } from "@/tests/helpers/fixture";

// Issue 21 item 6: a body nested deeper than MAX_JSON_DEPTH is a 400 before any work, on a
// local model (a deep `tools` value once overflowed the stack: 500) and on an upstream one
// (a deep unknown parameter once answered 502 and counted against the provider's breaker).

const app = integrationApp();
let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream({ name: "deep", apiKey: "key-deep" });
  process.env.PROVIDERS = JSON.stringify({
    // One failure would open this breaker: the test sees any failure counted.
    providers: [{ id: "deep", baseUrl: up.url, apiKey: "key-deep", breaker: { failures: 1, cooldownMs: 600_000 } }],
    models: [
      {
        id: "deep-model",
        modality: "chat",
        providers: [{ provider: "deep", model: "fake-usage" }],
        pricing: { inputMicroUsdPerMTokens: 150_000, outputMicroUsdPerMTokens: 600_000 },
      },
    ],
  });
});
afterAll(async () => {
  delete process.env.PROVIDERS;
  await up?.close();
});

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const messages = [{ role: "user", content: 'hi [[[ {{{ " ]]' }];

async function post(secret: string, body: string) {
  const res = await appFetch("http://localhost/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error?: { type: string; message: string } } };
}

describe("deeply nested JSON bodies", () => {
  it("a 50,000-deep tools value on a local model: 400 invalid_request_error", async () => {
    const a = await makeAccountWithKey(app.db);
    const body = `{"model":"local/echo-chat","messages":${JSON.stringify(messages)},"tools":${nested(50_000)}}`;
    const r = await post(a.secret, body);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ type: "invalid_request_error", message: expect.stringContaining(`at most ${MAX_JSON_DEPTH} levels`) });
  });

  it("a deep unknown parameter on an upstream model: 400, the provider is never called and its breaker stays closed", async () => {
    const a = await makeAccountWithKey(app.db);
    const before = up.requests.length;
    for (let i = 0; i < 3; i++) {
      const r = await post(a.secret, `{"model":"deep-model","messages":${JSON.stringify(messages)},"x_extra":${nested(50_000)}}`);
      expect(r.status).toBe(400);
      expect(r.body.error?.type).toBe("invalid_request_error");
    }
    expect(up.requests.length).toBe(before);
    const provider = getCatalog().providers.get("deep")!;
    expect(breakerFor(provider).state).toBe("closed");
  });
});
