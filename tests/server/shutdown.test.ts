import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnSync } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { eq } from "drizzle-orm";
import { reservations, usageEvents } from "@/db/schema";
import { auditAccount } from "@/lib/ledger";
import { createTestDb, whichTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { startServer, type RunningServer, type StartVia } from "@/tests/helpers/server";

// A deploy stops instances with SIGTERM. A busy account's credit lease (lib/metering/
// credit-lease.ts) must be given back then, not held until the sweeper's TTL (15 min,
// during which the customer could see 402s for credit nobody uses), and the settles of
// answers already sent must commit (instrumentation-node.ts).

const onPostgres = (await whichTestDb()) === "postgres";
let t: TestDb;
let server: RunningServer;

beforeAll(async () => {
  if (!onPostgres) return;
  t = await createTestDb();
  // Leases idle out after a minute here, so only the shutdown can give this one back.
  server = await startServer({ DATABASE_URL: t.url!, LOCAL_SIM_CHUNK_DELAY_MS: "0", CREDIT_LEASE_IDLE_MS: "60000" });
});
afterAll(async () => {
  await server?.stop();
  await t?.drop();
});

describe.skipIf(!onPostgres)("SIGTERM", () => {
  it("gives back the busy account's lease and commits the settles of the answers sent", async () => {
    const account = await makeAccountWithKey(t.db);
    const ask = () =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${account.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "busy" }], max_tokens: 20 }),
      }).then(async (r) => ({
        status: r.status,
        id: r.headers.get("x-request-id")!,
        cost: ((await r.json()) as { usage?: { cost_micro_usd: number } }).usage?.cost_micro_usd,
      }));
    const answers = await Promise.all(Array.from({ length: 12 }, ask));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    // Busy enough for a lease (4 requests within a second).
    const held = await t.db.select().from(reservations).where(eq(reservations.accountId, account.accountId));
    expect(held.some((r) => r.requestId.startsWith("lease_"))).toBe(true);

    await server.stop(); // SIGTERM, resolves when the process has exited

    expect(await t.db.select().from(reservations).where(eq(reservations.accountId, account.accountId))).toEqual([]);
    const events = await t.db.select().from(usageEvents).where(eq(usageEvents.accountId, account.accountId));
    expect(events.map((e) => e.requestId).sort()).toEqual(answers.map((a) => a.id).sort());
    const audit = await auditAccount(t.db, account.accountId);
    expect(audit).toMatchObject({ ok: true, reservedMicroUsd: 0n });
    expect(audit.balanceMicroUsd).toBe(10_000_000n - answers.reduce((s, a) => s + BigInt(a.cost!), 0n));
  });
});

// Issue 22, item 5: a deploy's SIGTERM while streams are open. The stream runs to its end
// (within SHUTDOWN_GRACE_SECONDS), is billed exactly once, nothing stays reserved, and the
// process exits 0; past the grace period the stream is cut and billed for what was
// delivered. Both with the server itself (`next start`, where Next.js's own handler also
// reacts to the signal; scripts/server.mjs, the production entry) and with what `npm start`
// runs (scripts/start.mjs, which passes the signal on). Before this, the stream finished
// but found 0 usage events and its hold stayed for the sweeper, and the exit code was 143.

type OpenStream = { requestId: string; firstChunkAt: number; rest: Promise<{ chunks: number; finished: boolean; cut: boolean }> };

/** Opens a streamed chat completion; resolves at its first content chunk, `rest` when the connection ends. */
function openStream(url: string, secret: string, maxTokens: number): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: "local/lorem-chat", messages: [{ role: "user", content: "Tell me a story." }], max_tokens: maxTokens, stream: true });
    const req = http.request(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      let buffer = "";
      let chunks = 0;
      let finished = false;
      let announced = false;
      let settleRest!: (v: { chunks: number; finished: boolean; cut: boolean }) => void;
      const rest = new Promise<{ chunks: number; finished: boolean; cut: boolean }>((r) => (settleRest = r));
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        buffer += d;
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const data = buffer.slice(6, cut);
          buffer = buffer.slice(cut + 2);
          if (data === "[DONE]") {
            finished = true;
            continue;
          }
          if (JSON.parse(data).choices?.[0]?.delta?.content) chunks++;
          if (chunks === 1 && !announced) {
            announced = true;
            resolve({ requestId: String(res.headers["x-request-id"]), firstChunkAt: Date.now(), rest });
          }
        }
      });
      res.on("end", () => settleRest({ chunks, finished, cut: false }));
      res.on("error", () => settleRest({ chunks, finished, cut: true }));
      res.on("close", () => settleRest({ chunks, finished, cut: !finished }));
    });
    req.end(body);
  });
}

const exitOf = (p: import("node:child_process").ChildProcess) =>
  new Promise<number | null>((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.once("exit", (code) => resolve(code))));

/** A connection attempt: "refused" once the server stopped listening. */
function connects(port: number): Promise<"connected" | "refused"> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", () => resolve("refused"));
  });
}

const childrenOf = (pid: number): number[] => {
  const r = spawnSync("ps", ["--ppid", String(pid), "-o", "pid="], { encoding: "utf8" });
  return r.stdout.split(/\s+/).filter(Boolean).map(Number);
};

const VIAS: StartVia[] = ["server", "npm-start", "next"];

describe.skipIf(!onPostgres)("SIGTERM with a stream open", () => {
  it.each(VIAS)("via %s: the stream runs to its end, is billed once, nothing stays reserved, exit 0", async (via) => {
    const db = await createTestDb();
    try {
      const account = await makeAccountWithKey(db.db);
      // 60 tokens at 50 ms: a stream of about 3 s, well inside the grace period.
      const s = await startServer({ DATABASE_URL: db.url!, LOCAL_SIM_CHUNK_DELAY_MS: "50", SHUTDOWN_GRACE_SECONDS: "30" }, { via });
      const stream = await openStream(s.url, account.secret, 60);
      const exit = exitOf(s.process);
      s.process.kill("SIGTERM");
      // New connections are refused while the stream still runs.
      await vi.waitFor(async () => expect(await connects(s.port)).toBe("refused"), { timeout: 5_000, interval: 50 });
      // Ctrl-C in a terminal on top of it: the whole process group gets SIGINT (the script
      // and the server it runs). The drain goes on.
      for (const pid of [s.process.pid!, ...childrenOf(s.process.pid!)]) process.kill(pid, "SIGINT");
      const rest = await stream.rest;
      expect(rest).toMatchObject({ chunks: 60, finished: true });
      expect(await exit).toBe(0);
      expect(s.output()).toMatch(/stopping: no new connections; 1 open request/);
      expect(s.output()).toMatch(/SIGINT: already stopping/);

      const events = await db.db.select().from(usageEvents).where(eq(usageEvents.accountId, account.accountId));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ requestId: stream.requestId, status: "ok", outputTokens: 60, aborted: false });
      expect(await db.db.select().from(reservations).where(eq(reservations.accountId, account.accountId))).toEqual([]);
      const audit = await auditAccount(db.db, account.accountId);
      expect(audit).toMatchObject({ ok: true, reservedMicroUsd: 0n, balanceMicroUsd: 10_000_000n - events[0].costMicroUsd });
    } finally {
      await db.drop();
    }
  });

  it.each(VIAS.slice(0, 2))("via %s: past SHUTDOWN_GRACE_SECONDS the stream is cut and billed for what was delivered, exit 0", async (via) => {
    const db = await createTestDb();
    try {
      const account = await makeAccountWithKey(db.db);
      // 400 tokens at 50 ms would take 20 s; the grace period is 1 s.
      const s = await startServer({ DATABASE_URL: db.url!, LOCAL_SIM_CHUNK_DELAY_MS: "50", SHUTDOWN_GRACE_SECONDS: "1" }, { via });
      const stream = await openStream(s.url, account.secret, 400);
      const exit = exitOf(s.process);
      s.process.kill("SIGTERM");
      const rest = await stream.rest;
      expect(rest.finished).toBe(false);
      expect(rest.chunks).toBeGreaterThan(1);
      expect(rest.chunks).toBeLessThan(400);
      expect(Date.now() - stream.firstChunkAt).toBeLessThan(15_000);
      expect(await exit).toBe(0);
      expect(s.output()).toMatch(/still open after 1 s: cut/);

      const events = await db.db.select().from(usageEvents).where(eq(usageEvents.accountId, account.accountId));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ requestId: stream.requestId, status: "aborted", aborted: true });
      // Every chunk the client got is billed; what was generated after it (in socket buffers when the cut came) is a handful.
      expect(events[0].outputTokens).toBeGreaterThanOrEqual(rest.chunks);
      expect(events[0].outputTokens).toBeLessThan(400);
      expect(events[0].costMicroUsd).toBeGreaterThan(0n);
      expect(await db.db.select().from(reservations).where(eq(reservations.accountId, account.accountId))).toEqual([]);
      const audit = await auditAccount(db.db, account.accountId);
      expect(audit).toMatchObject({ ok: true, reservedMicroUsd: 0n, balanceMicroUsd: 10_000_000n - events[0].costMicroUsd });
    } finally {
      await db.drop();
    }
  });
});
