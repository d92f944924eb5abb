import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, whichTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { settledMoneyState } from "@/tests/helpers/money-checks";
import { startServer, type RunningServer } from "@/tests/helpers/server";
import { makeUser, WebSession } from "@/tests/helpers/web-session";

// Issue 8, point 2b. The real app configured with REDIS_URL pointing at a port that
// accepts connections and never answers (the worst case: not even a refusal). /v1 keeps
// serving: each limiter call is abandoned after RATELIMIT_TIMEOUT_MS, then the breaker
// skips Redis; requests go on unlimited (a Free key gets more than its 10/min: the
// documented failure policy), are billed normally, and the admin page's limiter counters
// (limiterStats()) show the degraded decisions and the failures.

const onPostgres = (await whichTestDb()) === "postgres";
let t: TestDb;
let blackHole: net.Server;
let server: RunningServer;
const held = new Set<net.Socket>();

beforeAll(async () => {
  if (!onPostgres) return;
  t = await createTestDb();
  blackHole = net.createServer((s) => {
    held.add(s); // accept, read nothing, answer nothing
    s.on("error", () => {});
  });
  await new Promise<void>((r) => blackHole.listen(0, "127.0.0.1", r));
  const port = (blackHole.address() as net.AddressInfo).port;
  server = await startServer({
    DATABASE_URL: t.url!,
    REDIS_URL: `redis://127.0.0.1:${port}`,
    RATELIMIT_TIMEOUT_MS: "200",
    RATELIMIT_BREAKER_MS: "1000",
    ADMIN_EMAILS: "redis-admin@access.test",
    AUTH_SECRET: "redis-down-secret-redis-down-secret-0123456",
  });
});
afterAll(async () => {
  await server?.stop();
  for (const s of held) s.destroy();
  await new Promise((r) => blackHole?.close(r));
  await t?.drop();
});

describe.skipIf(!onPostgres)("Redis unreachable (a port that never answers)", () => {
  it("/v1 keeps serving within the bounded limiter timeout, billed as usual, and limiterStats counts it", { timeout: 120_000 }, async () => {
    const free = await makeAccountWithKey(t.db, { tier: "free" });
    const statuses: number[] = [];
    const slowest: number[] = [];
    // 25 requests from a Free key (10/min when Redis works), in 5 waves spread over the breaker periods.
    for (let wave = 0; wave < 5; wave++) {
      const wavePromises = Array.from({ length: 5 }, async (_, i) => {
        const started = performance.now();
        const res = await fetch(`${server.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${free.secret}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: `wave ${wave} #${i}` }] }),
        });
        await res.json();
        slowest.push(performance.now() - started);
        statuses.push(res.status);
        expect(res.headers.get("x-ratelimit-limit-requests")).toBe("10");
      });
      await Promise.all(wavePromises);
      await new Promise((r) => setTimeout(r, 600));
    }
    expect(statuses).toEqual(Array(25).fill(200));
    // Bounded: the limiter never holds a request much past its 200 ms timeout (generous bound).
    expect(Math.max(...slowest)).toBeLessThan(5_000);
    const money = await settledMoneyState(t.db, free.accountId); // settles land just after their answers
    expect(money.usageEntries.size).toBe(25);
    expect(money.auditOk).toBe(true);

    // The operator sees it: the admin page renders limiterStats().
    await makeUser(t.db, "redis-admin@access.test");
    const web = new WebSession(server.url);
    expect(await web.signIn("redis-admin@access.test")).toBe(true);
    const page = await web.fetch("/admin");
    expect(page.status).toBe(200);
    const html = await page.text();
    const stats = /Store: (\w+)\. Decisions (\d+), refused (\d+), allowed unlimited because the store failed\s*(?:<!-- -->)?\s*(\d+) \(failures (\d+): (\d+) timeouts, (\d+) errors\)/.exec(
      html.replace(/<!-- -->/g, ""),
    );
    expect(stats, html.slice(html.indexOf("limiter-stats"), html.indexOf("limiter-stats") + 400)).not.toBeNull();
    const [, backend, decisions, refused, degraded, failures] = stats!;
    console.log(`[redis-down] 25/25 requests served, slowest ${Math.round(Math.max(...slowest))} ms; admin page: ${stats![0]}`);
    expect(backend).toBe("redis");
    expect(Number(refused)).toBe(0);
    expect(Number(degraded)).toBeGreaterThanOrEqual(25);
    expect(Number(decisions)).toBeGreaterThanOrEqual(25);
    expect(Number(failures)).toBeGreaterThanOrEqual(1);
  });
});
