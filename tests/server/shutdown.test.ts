import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { reservations, usageEvents } from "@/db/schema";
import { auditAccount } from "@/lib/ledger";
import { createTestDb, whichTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { startServer, type RunningServer } from "@/tests/helpers/server";

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
