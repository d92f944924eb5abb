import { beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { usageEvents } from "@/db/schema";
import { withApiKey, ApiError, json } from "@/lib/api";
import { getCatalog } from "@/lib/catalog";
import { readBalance } from "@/lib/ledger";
import { settleCommitOf } from "@/lib/metering/meter";
import { integrationApp } from "@/tests/helpers/fixture";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import * as unknownEndpoint from "@/app/v1/[...path]/route";
import * as chatRoute from "@/app/v1/chat/completions/route";
import * as videosRoute from "@/app/v1/videos/route";

// The rate-limit hook point: a stand-in decides per test what the limiter says.
const limiter = vi.hoisted(() => ({ allowed: true }));
vi.mock("@/lib/api/rate-limit-hook", () => ({
  checkRateLimit: async () => ({
    allowed: limiter.allowed,
    retryAfterSeconds: 17,
    headers: { "x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": limiter.allowed ? "9" : "0", "x-ratelimit-reset-requests": "1700000000" },
  }),
}));

const app = integrationApp();
let a: Awaited<ReturnType<typeof makeAccountWithKey>>;
beforeAll(async () => {
  a = await app.account();
});

const call = (handler: Parameters<typeof withApiKey>[0]) =>
  withApiKey(handler)(new Request("http://app.test/v1/x", { headers: { authorization: `Bearer ${a.secret}` } }));

describe("withApiKey", () => {
  it("an unexpected error is a 500 in the OpenAI shape with the request id, never the internals", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await call(async () => {
      throw new Error('relation "secret_table" does not exist at 10.1.2.3');
    });
    expect(res.status).toBe(500);
    const id = res.headers.get("x-request-id")!;
    const body = await res.json();
    expect(body.error).toMatchObject({ type: "server_error", code: "internal_error", param: null });
    expect(body.error.message).toContain(id);
    expect(JSON.stringify(body)).not.toMatch(/secret_table|10\.1\.2\.3|at /);
    expect(spy.mock.calls.some((c) => String(c[0]).includes(id))).toBe(true); // logged with the id
    spy.mockRestore();
  });

  it("a handler that throws after reserving gets its reservation released, with a usage event", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await call(async (ctx) => {
      await ctx.openMeter({ model: getCatalog().get("local/image-sim")!, worstCase: { images: 2 } });
      throw new ApiError("upstream_error", "the model fell over");
    });
    expect(res.status).toBe(502);
    const id = res.headers.get("x-request-id")!;
    await settleCommitOf(id); // the release commits just after the answer, like every settle
    const [ev] = await app.db.select().from(usageEvents).where(eq(usageEvents.requestId, id));
    expect(ev).toMatchObject({ status: "error", httpStatus: 502, costMicroUsd: 0n, images: 0 });
    expect((await readBalance(app.db, a.accountId)).reservedMicroUsd).toBe(0n);
    vi.mocked(console.error).mockRestore();
  });

  it("every response carries the security headers (set here: /v1 skips proxy.ts)", async () => {
    const route = withApiKey(async () => json({ ok: true }));
    const res = await route(new Request("http://app.test/v1/x", { headers: { authorization: `Bearer ${a.secret}` } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const refused = await route(new Request("http://app.test/v1/x"));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-frame-options")).toBe("DENY");
  });

  it("a /v1 path that is no endpoint is a 404 in the OpenAI shape, for any method, without a key", async () => {
    for (const method of ["GET", "POST", "DELETE"] as const) {
      const res = await unknownEndpoint[method](new Request("http://app.test/v1/chat/complete", { method }));
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.headers.get("x-request-id")).toMatch(/^req_/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const body = (await res.json()) as { error: { message: string; type: string; code: string } };
      expect(body.error).toMatchObject({ type: "invalid_request_error", code: "not_found" });
      expect(body.error.message).toContain(`${method} /v1/chat/complete`);
    }
  });

  it("a method an endpoint does not take is a 405 in the OpenAI shape naming the ones it does, without a key", async () => {
    for (const [route, method, path, allow] of [
      [chatRoute.GET, "GET", "/v1/chat/completions", "POST"],
      [chatRoute.DELETE, "DELETE", "/v1/chat/completions", "POST"],
      [videosRoute.PUT, "PUT", "/v1/videos", "GET, POST"],
    ] as const) {
      const res = await route(new Request(`http://app.test${path}`, { method }));
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe(allow);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.headers.get("x-request-id")).toMatch(/^req_/);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      const body = (await res.json()) as { error: { message: string; type: string; code: string } };
      expect(body.error).toMatchObject({ type: "invalid_request_error", code: "method_not_allowed", param: null });
      expect(body.error.message).toBe(`${path} does not take ${method}; use ${allow.replace(", ", " or ")}.`);
    }
    expect("POST" in chatRoute).toBe(true);
    expect(["GET", "POST"].every((m) => typeof (videosRoute as Record<string, unknown>)[m] === "function")).toBe(true);
  });

  it("adds x-request-id and the limiter's headers even to responses with immutable headers", async () => {
    const res = await call(async () => Response.redirect("http://app.test/elsewhere", 307));
    expect(res.status).toBe(307);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("10");
    const ok = await call(async () => json({ ok: true }));
    expect(ok.headers.get("x-ratelimit-remaining-requests")).toBe("9");
  });

  it("rate-limit hook: a refusal is a 429 with Retry-After and the headers, before the handler runs", async () => {
    limiter.allowed = false;
    const handler = vi.fn(async () => json({}));
    const res = await call(handler);
    limiter.allowed = true;
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("17");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect((await res.json()).error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    expect(handler).not.toHaveBeenCalled();
  });
});
