import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { reservations, usageEvents } from "@/db/schema";
import { auditAccount, readBalance } from "@/lib/ledger";
import { streamTimeouts } from "@/lib/providers/text/metered-stream";
import { settleCommitOf } from "@/lib/metering/meter";
import { integrationApp } from "@/tests/helpers/fixture";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { POST } from "@/app/v1/chat/completions/route";

// A streamed answer whose client was gone before Next.js started piping it is dropped by
// Next without cancelling its body (node_modules/next/dist/server/pipe-readable.js), so the
// stream's cancel() never runs. Before the fix its reservation was held until the sweeper
// (15 min; seen 1-6 times per 5-minute soak). Now an unread stream gives up after
// streamTimeouts.unreadMs: the model is stopped, nothing is charged, the hold is released.

const app = integrationApp();
beforeAll(() => {
  streamTimeouts.unreadMs = 300;
});
afterAll(() => {
  streamTimeouts.unreadMs = 10_000;
});

describe(`a streamed response nobody reads (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("is given up after the unread timeout: provider stopped, nothing charged, reservation released, usage event says aborted", async () => {
    const a = await makeAccountWithKey(app.db);
    const res = await POST(
      new Request("http://app.test/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${a.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "local/lorem-chat", messages: [{ role: "user", content: "hello?" }], max_tokens: 500, stream: true }),
      }),
    );
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id")!;
    // Held while the response sits unread...
    expect(await app.db.select().from(reservations).where(eq(reservations.requestId, requestId))).toHaveLength(1);
    // ...and released once it has sat unread past the timeout.
    const event = await vi.waitFor(
      async () => {
        const [e] = await app.db.select().from(usageEvents).where(eq(usageEvents.requestId, requestId));
        if (!e) throw new Error("no usage event yet");
        return e;
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(event).toMatchObject({ status: "aborted", aborted: true, costMicroUsd: 0n, outputTokens: 0 });
    expect(await app.db.select().from(reservations).where(eq(reservations.accountId, a.accountId))).toHaveLength(0);
    expect(await readBalance(app.db, a.accountId)).toEqual({ balanceMicroUsd: 10_000_000n, reservedMicroUsd: 0n, availableMicroUsd: 10_000_000n });
    expect((await auditAccount(app.db, a.accountId)).ok).toBe(true);
  });

  it("a stream that is being read is not affected, however slowly its chunks come", async () => {
    const a = await makeAccountWithKey(app.db);
    process.env.LOCAL_SIM_CHUNK_DELAY_MS = "40"; // 10 tokens over ~400 ms, longer than the timeout
    try {
      const res = await POST(
        new Request("http://app.test/v1/chat/completions", {
          method: "POST",
          headers: { authorization: `Bearer ${a.secret}`, "content-type": "application/json" },
          body: JSON.stringify({
            model: "local/lorem-chat",
            messages: [{ role: "user", content: "hello?" }],
            max_tokens: 10,
            stream: true,
            stream_options: { include_usage: true },
          }),
        }),
      );
      const text = await res.text();
      expect(text).toContain('"cost_micro_usd"');
      expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
      await settleCommitOf(res.headers.get("x-request-id")!); // the settle commits just after the answer
      const [event] = await app.db
        .select()
        .from(usageEvents)
        .where(eq(usageEvents.requestId, res.headers.get("x-request-id")!));
      expect(event).toMatchObject({ status: "ok", aborted: false, outputTokens: 10 });
    } finally {
      delete process.env.LOCAL_SIM_CHUNK_DELAY_MS;
    }
  });
});
