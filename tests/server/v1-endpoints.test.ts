import http from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { usageEvents } from "@/db/schema";
import { auditAccount, readBalance } from "@/lib/ledger";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { startServer, type RunningServer } from "@/tests/helpers/server";

// The new endpoints through the real built app over TCP, where the router (not our test
// router) decodes paths and a client's close reaches the app only as a stream cancel:
// GET /v1/models/{id} with the SDK's %2F and without, and /v1/responses streamed and
// closed early (billed for the tokens delivered). PostgreSQL only (the test reads the
// database while the server runs).

let pg: TestDb;
let server: RunningServer;
let account: Awaited<ReturnType<typeof makeAccountWithKey>>;

beforeAll(async () => {
  pg = await createTestDb();
  account = await makeAccountWithKey(pg.db);
  server = await startServer({ DATABASE_URL: pg.url!, LOCAL_SIM_CHUNK_DELAY_MS: "20" });
});
afterAll(async () => {
  await server?.stop();
  await pg?.drop();
});

describe.skipIf(process.env.TEST_DB === "pglite")("new /v1 endpoints on the built app", () => {
  it("GET /v1/models/{id}: the SDK's encoded id, the plain path, and 404 for unknown ids", async () => {
    const client = sdkClient(account.secret, { baseURL: `${server.url}/v1`, fetch: globalThis.fetch });
    expect(await client.models.retrieve("local/echo-chat")).toMatchObject({ id: "local/echo-chat", object: "model" });
    const plain = await fetch(`${server.url}/v1/models/local/embed-sim`, { headers: { authorization: `Bearer ${account.secret}` } });
    expect([plain.status, (await plain.json()).id]).toEqual([200, "local/embed-sim"]);
    const missing = await client.models.retrieve("local/nope").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("POST /v1/responses streamed and closed early over TCP: billed for what was delivered, marked aborted", async () => {
    const client = sdkClient(account.secret, { baseURL: `${server.url}/v1`, fetch: globalThis.fetch });
    const stream = await client.responses.create({ model: "local/lorem-chat", input: "write a lot", max_output_tokens: 2_000, stream: true });
    let seen = 0;
    for await (const e of stream) if (e.type === "response.output_text.delta" && ++seen === 10) break;
    await vi.waitFor(async () => expect(await pg.db.select().from(usageEvents).where(eq(usageEvents.accountId, account.accountId))).toHaveLength(1), {
      timeout: 10_000,
    });
    const [ev] = await pg.db.select().from(usageEvents).where(eq(usageEvents.accountId, account.accountId));
    expect(ev).toMatchObject({ status: "aborted", aborted: true });
    // Far below the 2,000 reserved: the model stopped when the client left.
    expect(ev.outputTokens).toBeGreaterThanOrEqual(10);
    expect(ev.outputTokens).toBeLessThan(100);
    const balance = await readBalance(pg.db, account.accountId);
    expect([balance.balanceMicroUsd, balance.reservedMicroUsd]).toEqual([10_000_000n - ev.costMicroUsd, 0n]);
    expect((await auditAccount(pg.db, account.accountId)).ok).toBe(true);
  });
  it("bodies from the internet: over the limit (declared or chunked) get a 413 and the server keeps serving (endless uploads: lib/api/node-adapter.test.ts)", async () => {
    // Each on its own connection (node:http, no agent), as separate clients would come.
    const post = (parts: Buffer[], declared: boolean) =>
      new Promise<number>((resolve, reject) => {
        const size = parts.reduce((n, p) => n + p.byteLength, 0);
        const req = http.request(`${server.url}/v1/chat/completions`, {
          method: "POST",
          agent: false,
          headers: {
            authorization: `Bearer ${account.secret}`,
            "content-type": "application/json",
            ...(declared ? { "content-length": size } : { "transfer-encoding": "chunked" }),
          },
        });
        // The whole body is sent even when the answer comes first, so the server reads the
        // rest after refusing it; the connection closes once both are done.
        let answered = 0;
        const sent = new Promise<void>((r) => req.on("finish", r));
        req.on("response", (res) => {
          answered = res.statusCode ?? 0;
          res.resume();
          res.on("end", () => void sent.then(() => setTimeout(() => (req.destroy(), resolve(answered)), 200)));
        });
        req.on("error", reject);
        for (const p of parts) req.write(p);
        req.end();
      });
    const mib = Buffer.alloc(2 ** 20, 0x20);
    expect(await post([mib, mib, mib], true)).toBe(413); // Content-Length over the limit
    expect(await post([mib, mib, mib], false)).toBe(413); // chunked: the rest arrives after the refusal
    const models = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${account.secret}`, connection: "close" } });
    expect(models.status).toBe(200);
    expect(server.output()).not.toMatch(/Controller is already closed|uncaught/i);
  });
});
