import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError } from "./errors";
import { jsonDepthExceeds, MAX_JSON_DEPTH, readJson } from "./body";
import { maxCostFrom } from "./request-helpers";

const schema = z.looseObject({ model: z.string(), items: z.array(z.object({ n: z.number().int() })).optional() });
const req = (body: BodyInit | null, headers: Record<string, string> = { "content-type": "application/json" }) =>
  new Request("http://x.test/v1/x", { method: "POST", body, headers });
const fail = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: ApiError) => ({ status: e.status, code: e.code, param: e.param, message: e.message }),
  );

describe("request body reading", () => {
  it("parses, keeping unknown fields", async () => {
    expect(await readJson(req(JSON.stringify({ model: "m", temperature: 1 })), schema)).toEqual({ model: "m", temperature: 1 });
  });
  it("415, 413 (declared and streamed), 400 for syntax, 400 naming the field", async () => {
    expect(await fail(readJson(req("{}", { "content-type": "text/plain" }), schema))).toMatchObject({ status: 415 });
    expect(await fail(readJson(req("{}", { "content-type": "application/json", "content-length": "99999" }), schema, { maxBytes: 10 }))).toMatchObject({
      status: 413,
    });
    const chunked = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode("x".repeat(100)));
        c.close();
      },
    });
    expect(
      await fail(
        readJson(
          new Request("http://x.test", { method: "POST", body: chunked, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit),
          schema,
          { maxBytes: 500 },
        ),
      ),
    ).toMatchObject({ status: 413 });
    expect(await fail(readJson(req("{bad"), schema))).toMatchObject({ status: 400, code: "invalid_json" });
    expect(await fail(readJson(req(new Uint8Array([0x7b, 0xff, 0x7d])), schema))).toMatchObject({ status: 400, message: expect.stringMatching(/UTF-8/) });
    expect(await fail(readJson(req(JSON.stringify({ model: "m", items: [{ n: 1 }, { n: "x" }] })), schema))).toMatchObject({
      status: 400,
      param: "items[1].n",
    });
    expect(await fail(readJson(req(JSON.stringify({})), schema))).toMatchObject({ param: "model", message: "Missing required parameter: 'model'." });
  });
  it("max_cost: body number or header, the stricter wins, exact to the micro-dollar", () => {
    const r = (h?: string) => new Request("http://x.test", { headers: h ? { "x-max-cost": h } : {} });
    expect(maxCostFrom(r(), undefined)).toBeNull();
    expect(maxCostFrom(r(), 0.000123)).toBe(123n);
    expect(maxCostFrom(r("0.5"), 1)).toBe(500_000n);
    expect(maxCostFrom(r("2"), 1)).toBe(1_000_000n);
    expect(() => maxCostFrom(r(), 0)).toThrow(ApiError);
    expect(() => maxCostFrom(r("1e-3"), undefined)).toThrow(/x-max-cost/);
    expect(() => maxCostFrom(r(), 0.0000001)).toThrow(/max_cost/);
  });
});

describe("nesting depth (issue 21 item 6)", () => {
  const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  it("counts arrays and objects, not brackets inside strings or escaped quotes", () => {
    expect(jsonDepthExceeds(`{"a":${nested(3)}}`, 4)).toBe(false);
    expect(jsonDepthExceeds(`{"a":${nested(4)}}`, 4)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"[[[[[[\\"[[[[","b":[{}]}`, 3)).toBe(false);
    expect(jsonDepthExceeds(`[{"x":[{"y":1}]}]`, 3)).toBe(true);
  });
  it("a body at the limit parses; one level more is a 400 before parsing (50,000 deep included)", async () => {
    const at = `{"model":"m","x":${nested(MAX_JSON_DEPTH - 1)}}`;
    expect(await readJson(req(at), schema)).toMatchObject({ model: "m" });
    for (const depth of [MAX_JSON_DEPTH, 50_000]) {
      expect(await fail(readJson(req(`{"model":"m","x":${nested(depth)}}`), schema))).toMatchObject({ status: 400, code: "invalid_request", param: null });
    }
  });
});
