import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { countTokens } from "gpt-tokenizer";
import { usageEvents } from "@/db/schema";
import { openPglite, type DbHandle } from "@/db/client";
import { migrate } from "@/db/migrate";
import { auditAccount, readBalance } from "@/lib/ledger";
import { ceilDiv } from "@/lib/money";
import { LOCAL_MODELS, type TextModel } from "@/lib/catalog";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { startServer, type RunningServer } from "@/tests/helpers/server";

// A client that closes a streamed chat completion early is billed exactly the tokens
// generated before the close, and the usage event says aborted. Proven against the real
// built app over real TCP: request.signal may not fire in Next route handlers on Node, so
// the app must notice through the response stream's cancel().

const lorem = LOCAL_MODELS.find((m) => m.id === "local/lorem-chat") as TextModel;
const cost = (input: number, output: number) =>
  ceilDiv(BigInt(input) * lorem.pricing.inputMicroUsdPerMTokens + BigInt(output) * lorem.pricing.outputMicroUsdPerMTokens, 1_000_000n);

// On PostgreSQL the test reads the database while the server runs. On PGlite (one process
// per folder) it prepares the folder, lets the server own it, and reads it after stopping.
let pg: TestDb | null = null;
let pgliteDir: string | null = null;
let server: RunningServer;
let account: Awaited<ReturnType<typeof makeAccountWithKey>>;

async function withDb<T>(fn: (db: DbHandle["db"]) => Promise<T>): Promise<T> {
  if (pg) return fn(pg.db);
  await server?.stop();
  const h = await openPglite(pgliteDir);
  try {
    return await fn(h.db);
  } finally {
    await h.close();
  }
}

beforeAll(async () => {
  const env: Record<string, string> = { LOCAL_SIM_CHUNK_DELAY_MS: "20" };
  if (process.env.TEST_DB === "pglite") {
    pgliteDir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-abort-"));
    const h = await openPglite(pgliteDir);
    await migrate(h);
    account = await makeAccountWithKey(h.db);
    await h.close();
    env.PGLITE_DIR = pgliteDir;
  } else {
    pg = await createTestDb();
    account = await makeAccountWithKey(pg.db);
    env.DATABASE_URL = pg.url!;
  }
  server = await startServer(env);
});

afterAll(async () => {
  await server?.stop();
  await pg?.drop();
  if (pgliteDir) fs.rmSync(pgliteDir, { recursive: true, force: true });
});

/** Streams over a raw socket, reads `pieces` content chunks, then destroys the TCP connection. */
function streamThenDrop(pieces: number): Promise<{ requestId: string; received: string; chunks: number }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({
      model: "local/lorem-chat",
      messages: [{ role: "user", content: "Write a long story." }],
      max_tokens: 4000,
      stream: true,
    });
    const req = http.request(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${account.secret}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      const requestId = String(res.headers["x-request-id"]);
      let buffer = "";
      let received = "";
      let chunks = 0;
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        buffer += d;
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const data = buffer.slice(6, cut);
          buffer = buffer.slice(cut + 2);
          const content = JSON.parse(data).choices[0]?.delta?.content;
          if (content) {
            received += content;
            chunks++;
          }
          if (chunks === pieces) {
            req.socket?.destroy(); // the client vanishes: a real TCP close, no graceful end
            return resolve({ requestId, received, chunks });
          }
        }
      });
    });
    req.on("error", () => {}); // the destroy above surfaces here
    req.end(body);
  });
}

describe(`streaming abort against the real server (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("bills exactly the tokens generated before the TCP connection dropped, and marks the usage event aborted", async () => {
    const { requestId, chunks } = await streamThenDrop(25);
    const inputTokens = 3 + 3 + 1 + countTokens("Write a long story."); // framing + "user" + content
    const event = await vi.waitFor(
      async () => {
        const [ev] = await withDb((db) => db.select().from(usageEvents).where(eq(usageEvents.requestId, requestId)));
        if (!ev) throw new Error("not settled yet");
        return ev;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(event).toMatchObject({ aborted: true, status: "aborted", model: "local/lorem-chat", inputTokens, keyId: account.keyId });
    // Every chunk the client got is billed; anything generated after it (in flight in
    // socket buffers when the close was noticed) is a handful, nowhere near max_tokens.
    expect(event.outputTokens).toBeGreaterThanOrEqual(chunks);
    expect(event.outputTokens).toBeLessThan(4000);
    expect(event.costMicroUsd).toBe(cost(inputTokens, event.outputTokens));
    await withDb(async (db) => {
      expect(await readBalance(db, account.accountId)).toEqual({
        balanceMicroUsd: 10_000_000n - event.costMicroUsd,
        reservedMicroUsd: 0n,
        availableMicroUsd: 10_000_000n - event.costMicroUsd,
      });
      expect((await auditAccount(db, account.accountId)).ok).toBe(true);
    });
  });

  it.skipIf(process.env.TEST_DB === "pglite")("the openai SDK over real HTTP: stream with usage, then an aborted stream settles as aborted", async () => {
    const client = sdkClient(account.secret, { baseURL: `${server.url}/v1`, fetch: globalThis.fetch });
    const full = await client.chat.completions.create({
      model: "local/lorem-chat",
      messages: [{ role: "user", content: "short" }],
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: any;
    for await (const c of full) if (c.usage) usage = c.usage;
    expect(usage).toMatchObject({ completion_tokens: 12, cost_micro_usd: Number(cost(3 + 3 + 1 + countTokens("short"), 12)) });

    const { data: stream, response } = await client.chat.completions
      .create({ model: "local/lorem-chat", messages: [{ role: "user", content: "long" }], max_tokens: 4000, stream: true })
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;
    let n = 0;
    for await (const _ of stream) if (++n === 10) stream.controller.abort();
    const [ev] = await vi.waitFor(
      async () => {
        const rows = await pg!.db.select().from(usageEvents).where(eq(usageEvents.requestId, requestId));
        if (!rows.length) throw new Error("not settled yet");
        return rows;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(ev).toMatchObject({ aborted: true, status: "aborted" });
    expect(ev.outputTokens).toBeLessThan(4000);
  });
});
