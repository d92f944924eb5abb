import { describe, expect, it } from "vitest";
import { eq, sum } from "drizzle-orm";
import OpenAI from "openai";
import { ledgerEntries, reservations, usageEvents } from "@/db/schema";
import { auditAccount, postEntry, readBalance } from "@/lib/ledger";
import { newId } from "@/lib/ids";
import { completionCost, sdkClient } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { integrationApp } from "@/tests/helpers/fixture";

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

const app = integrationApp({ maxConnections: 40 });

describe(`concurrency on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("150 concurrent requests (plain and streamed) against an account that affords only some: never below zero, ledger = balance", async () => {
    const a = await makeAccountWithKey(app.db);
    // Leave $0.02: lorem-chat with max_tokens 1000 reserves ~$0.0015 each, so ~13 fit at once.
    await postEntry(app.db, { accountId: a.accountId, kind: "adjustment", amountMicroUsd: -9_980_000n, reference: newId("evt"), description: "test drain" });
    const client = sdkClient(a.secret);
    const messages = [{ role: "user" as const, content: "concurrency" }];
    const results = await Promise.allSettled(
      Array.from({ length: 150 }, (_, i) => completionCost(client, { model: "local/lorem-chat", messages, max_tokens: 1000, stream: i % 3 === 0 })),
    );
    const ok = results.filter((r): r is PromiseFulfilledResult<number> => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(OpenAI.APIError);
      expect(r.reason.status).toBe(402);
      expect(r.reason.code).toBe("insufficient_quota");
    }
    expect(ok.length).toBeGreaterThanOrEqual(13);
    expect(refused.length).toBeGreaterThan(0);

    const audit = await auditAccount(app.db, a.accountId);
    expect(audit).toMatchObject({ ok: true, reservedMicroUsd: 0n });
    expect(audit.balanceMicroUsd).toBeGreaterThanOrEqual(0n);
    const charged = ok.reduce((s, r) => s + BigInt(r.value), 0n);
    expect(audit.balanceMicroUsd).toBe(20_000n - charged);
    // One usage event per successful request, one usage ledger entry per event, same totals.
    const events = await app.db.select().from(usageEvents).where(eq(usageEvents.accountId, a.accountId));
    expect(events).toHaveLength(ok.length);
    expect(events.reduce((s, e) => s + e.costMicroUsd, 0n)).toBe(charged);
    const [usageSum] = await app.db
      .select({ s: sum(ledgerEntries.amountMicroUsd) })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.kind, "usage"));
    expect(BigInt(usageSum.s ?? 0)).toBe(-charged);
    expect(await app.db.select().from(reservations).where(eq(reservations.accountId, a.accountId))).toHaveLength(0);
    expect((await readBalance(app.db, a.accountId)).availableMicroUsd).toBe(audit.balanceMicroUsd);
  });
});
