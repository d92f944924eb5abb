import { describe, expect, it } from "vitest";
import type { BatchSettleResult } from "@/lib/ledger";
import { waitForVideoJobs } from "@/lib/media/video-jobs";
import { afterSettleIdle, onAfterSettle } from "@/lib/metering/after-settle";
import { integrationApp } from "@/tests/helpers/fixture";

// Metering depends on nobody: modules that react to settles (billing's auto top-up) register
// a hook at start (docs/architecture.md, "The after-settle hook"). Every settle, an answer's
// or deferred work's, runs the hooks once it has committed, with its result.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";
const app = integrationApp();

describe("after-settle hooks", () => {
  it("run once per committed settle, for answers and for deferred work, with the charge; a failing hook harms nobody", async () => {
    const seen: { accountId: string; result: BatchSettleResult }[] = [];
    onAfterSettle("test.spy", (_db, accountId, result) => void seen.push({ accountId, result }));
    onAfterSettle("test.throws", () => {
      throw new Error("a broken hook");
    });
    const a = await app.account();
    const client = app.client(a.secret);
    const chat = await client.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "hook me" }], max_tokens: 8 });
    const video = await client.videos.create({ model: "local/video-sim", prompt: "hooked", seconds: "1" as never, size: "720x1280" });
    await waitForVideoJobs();
    await afterSettleIdle();
    expect((await client.videos.retrieve(video.id)).status).toBe("completed");

    const mine = seen.filter((s) => s.accountId === a.accountId);
    expect(mine.map((s) => s.result.chargedMicroUsd)).toEqual([
      BigInt((chat.usage as unknown as { cost_micro_usd: number }).cost_micro_usd),
      50_000n, // 1 s of local/video-sim
    ]);
    expect(mine.every((s) => s.result.settled)).toBe(true);
  });
});
