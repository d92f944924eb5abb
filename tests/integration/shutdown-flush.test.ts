import { describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { apiKeys, reservations } from "@/db/schema";
import { noteKeyUsed } from "@/lib/api/key-auth";
import { runShutdown } from "@/lib/process";
import { integrationApp } from "@/tests/helpers/fixture";

// The shutdown registry (lib/process.ts): what instrumentation-node.ts runs on SIGTERM. Every
// holder of pending work joins it; here the key cache's last-used writes and the metering
// layer's settles and leases (the built server's SIGTERM: tests/server/shutdown.test.ts).

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";
process.env.CREDIT_LEASE_IDLE_MS = "60000";
const app = integrationApp();

describe("shutdown flush", () => {
  it("writes the key cache's pending last-used times", async () => {
    const a = await app.account();
    const usedAt = new Date(Date.now() - 5_000);
    // The batched write's timer is faked and dropped: only the shutdown flush can write it.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      noteKeyUsed(app.db, a.keyId, usedAt);
    } finally {
      vi.useRealTimers();
    }
    const lastUsed = async () => (await app.db.select({ at: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.id, a.keyId)))[0].at;
    expect(await lastUsed()).toBeNull();
    await runShutdown();
    expect(await lastUsed()).toEqual(usedAt);
  });

  it("commits pending settles and gives back a busy account's credit lease", async () => {
    const a = await app.account();
    const client = app.client(a.secret);
    await Promise.all(
      Array.from({ length: 8 }, () =>
        client.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "busy" }], max_tokens: 8 }),
      ),
    );
    const held = await app.db.select().from(reservations).where(eq(reservations.accountId, a.accountId));
    expect(held.some((r) => r.requestId.startsWith("lease_"))).toBe(true); // idles out only after a minute
    await runShutdown();
    expect(await app.db.select().from(reservations).where(eq(reservations.accountId, a.accountId))).toEqual([]);
  });
});
