import { describe, expect, it } from "vitest";
import { APIError } from "openai";
import { getCatalog, type ImageModel } from "@/lib/catalog";
import { grant } from "@/lib/ledger";
import { inspectPng } from "@/tests/helpers/png";
import { renderImage } from "@/lib/providers/local/media/image";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { mediaAccount, moneyState, rawCall } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp();

const price = () => (getCatalog().get("local/image-sim") as ImageModel).pricing.microUsdPerImage;
const START = 10_000_000n;

describe(`POST /v1/images/generations on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("generates n real PNGs of the requested size and bills exactly n x the catalog price", async () => {
    const a = await mediaAccount(app.db);
    const { data: res, response } = await sdkClient(a.secret)
      .images.generate({ model: "local/image-sim", prompt: "a red fox in snow", n: 2, size: "256x256" })
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;
    expect(requestId).toMatch(/^req_/);
    expect(res.data).toHaveLength(2);
    const pngs = res.data!.map((d) => Buffer.from(d.b64_json!, "base64"));
    for (const png of pngs) expect(inspectPng(png)).toMatchObject({ width: 256, height: 256, colorType: 2 });
    expect(pngs[0].equals(renderImage("a red fox in snow", 256, 256, 0).png)).toBe(true);
    expect(pngs[0].equals(pngs[1])).toBe(false);

    const expected = 2n * price();
    const usage = res.usage as unknown as { images: number; cost: number; cost_micro_usd: number };
    expect(usage).toMatchObject({ images: 2, cost: Number(expected) / 1e6, cost_micro_usd: Number(expected), output_tokens: 0 });
    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: START - expected, reservedMicroUsd: 0n, auditOk: true });
    expect(m.usage).toHaveLength(1);
    expect(m.usage[0]).toMatchObject({ requestId, model: "local/image-sim", modality: "image", images: 2, costMicroUsd: expected, keyId: a.keyId });
    expect(m.usageEntries.map((e) => [e.reference, e.amountMicroUsd])).toEqual([[requestId, -expected]]);
  });

  it("answers response_format=url with a working, expiring capability URL", async () => {
    const a = await mediaAccount(app.db);
    const res = await sdkClient(a.secret).images.generate({ model: "local/image-sim", prompt: "a lighthouse", size: "512x512", response_format: "url" });
    const url = res.data![0].url!;
    expect(url).toMatch(/^http:\/\/app\.test\/artifacts\/art_[0-9A-Za-z]{24}$/);
    const img = await appFetch(url); // no API key: the URL itself is the capability
    expect(img.status).toBe(200);
    expect(img.headers.get("content-type")).toBe("image/png");
    expect(inspectPng(new Uint8Array(await img.arrayBuffer()))).toMatchObject({ width: 512, height: 512 });
    expect((await appFetch("http://app.test/artifacts/art_000000000000000000000000")).status).toBe(404);
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(START - price());
  });

  it("refuses bad input with OpenAI-shaped 4xx errors and charges nothing", async () => {
    const a = await mediaAccount(app.db);
    const post = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
      rawCall("/v1/images/generations", { method: "POST", key: a.secret, headers, body: typeof body === "string" ? body : JSON.stringify(body) });
    const cases: [unknown, number, string | null, RegExp][] = [
      [{ model: "local/image-sim", prompt: "x", n: 0 }, 400, "n", /at least 1/],
      [{ model: "local/image-sim", prompt: "x", n: 5 }, 400, "n", /at most 4 images/],
      [{ model: "local/image-sim", prompt: "x", n: 1.5 }, 400, "n", /integer/],
      [{ model: "local/image-sim", prompt: "x", size: "300x300" }, 400, "size", /supports 256x256, 512x512, 1024x1024/],
      [{ model: "local/image-sim", prompt: "" }, 400, "prompt", /empty/],
      [{ model: "local/image-sim" }, 400, "prompt", /prompt/],
      [{ model: "local/image-sim", prompt: "x", response_format: "gif" }, 400, "response_format", /url/],
      [{ model: "no/such-model", prompt: "x" }, 404, "model", /does not exist/],
      [{ model: "local/echo-chat", prompt: "x" }, 400, "model", /chat model/],
      ["{not json", 400, null, /parse the JSON/],
    ];
    for (const [body, status, param, message] of cases) {
      const r = await post(body);
      expect([r.status, r.body.error.param], JSON.stringify(body)).toEqual([status, param]);
      expect(r.body.error.message).toMatch(message);
      expect(r.body.error.type).toBe(status === 404 ? "invalid_request_error" : "invalid_request_error");
      expect(r.res.headers.get("x-request-id")).toMatch(/^req_/);
    }
    const wrongType = await post("prompt=x", { "content-type": "text/plain" });
    expect([wrongType.status, wrongType.body.error.code]).toEqual([415, "unsupported_media_type"]);
    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: START, reservedMicroUsd: 0n, auditOk: true });
    expect(m.usageEntries).toHaveLength(0);
  });

  it("402s when the balance cannot cover n images, before any work, and works again after a grant", async () => {
    const a = await mediaAccount(app.db, { availableMicroUsd: 3n * price() - 1n });
    const client = sdkClient(a.secret);
    const err = await client.images.generate({ model: "local/image-sim", prompt: "x", n: 3, size: "256x256" }).catch((e) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err.status).toBe(402);
    expect(err.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
    expect(err.error.message).toMatch(/\/dashboard\/billing/);
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(3n * price() - 1n);
    // Two images fit.
    await client.images.generate({ model: "local/image-sim", prompt: "x", n: 2, size: "256x256" });
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(price() - 1n);
    await grant(app.db, { accountId: a.accountId, amountMicroUsd: 5_000_000n, reference: `test-topup:${a.accountId}`, description: "top-up" });
    const ok = await client.images.generate({ model: "local/image-sim", prompt: "x", n: 3, size: "256x256" });
    expect(ok.data).toHaveLength(3);
    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: 5_000_000n + price() - 1n - 3n * price(), reservedMicroUsd: 0n, auditOk: true });
  });

  it("honours max_cost: a worst case above it is refused with 402", async () => {
    const a = await mediaAccount(app.db);
    const r = await rawCall("/v1/images/generations", {
      method: "POST",
      key: a.secret,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "local/image-sim", prompt: "x", n: 2, size: "256x256", max_cost: Number(price()) / 1e6 }),
    });
    expect([r.status, r.body.error.code]).toEqual([402, "max_cost_exceeded"]);
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(START);
  });
});
