import { describe, expect, it } from "vitest";
import { getCatalog, type VideoModel } from "@/lib/catalog";
import { releaseAllLeases } from "@/lib/metering/credit-lease";
import { waitForVideoJobs } from "@/lib/media/video-jobs";
import { completionCost } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";
import { moneyState } from "@/tests/helpers/media";

// Work settled after its response (a video job) owns a hold that outlives the request.
// The bug this pins (issue 12): a hot, well-funded account's worst case was held inside the
// instance's credit lease; POST /v1/videos detached its meter and the job later settled
// through the ledger by request id, where no reservation existed. The job failed with
// job_expired and the lease's $2.00 stayed reserved, its user count never back to zero.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";
const app = integrationApp();
const perSecond = () => (getCatalog().get("local/video-sim") as VideoModel).pricing.microUsdPerSecond;

describe(`deferred work on ${process.env.TEST_DB ?? "postgres"}`, () => {
  for (const pauseMs of [700, 1_500]) {
    it(`a video created ${pauseMs} ms after 15 quick chat requests renders, is charged its seconds once, and leaves no hold`, async () => {
      const a = await app.account({ tier: "paid" }); // $10 signup credit
      const client = app.client(a.secret);
      let chatCost = 0n;
      for (let i = 0; i < 15; i++) {
        chatCost += BigInt(await completionCost(client, { model: "local/echo-chat", messages: [{ role: "user", content: `busy ${i}` }], max_tokens: 16 }));
      }
      await new Promise((r) => setTimeout(r, pauseMs));
      const { data: created, response } = await client.videos
        .create({ model: "local/video-sim", prompt: "after a burst", seconds: "4", size: "720x1280" })
        .withResponse();
      expect(created.status).toBe("queued");
      await waitForVideoJobs();

      const done = await client.videos.retrieve(created.id);
      expect(done).toMatchObject({ status: "completed", error: null });
      const videoCost = 4n * perSecond();
      expect((done as unknown as { usage: { cost_micro_usd: number } }).usage.cost_micro_usd).toBe(Number(videoCost));

      // Every lease this instance holds is given back once nobody uses it: a lease whose
      // user count never returned to zero would keep its row (and the credit) here.
      await releaseAllLeases();
      const m = await moneyState(app.db, a.accountId);
      expect(m).toMatchObject({ reservedMicroUsd: 0n, balanceMicroUsd: 10_000_000n - chatCost - videoCost, auditOk: true });
      const videoEvents = m.usage.filter((e) => e.modality === "video");
      expect(videoEvents).toHaveLength(1);
      expect(videoEvents[0]).toMatchObject({ requestId: response.headers.get("x-request-id"), videoSeconds: 4, costMicroUsd: videoCost, status: "ok" });
      expect(m.usage).toHaveLength(16);
    }, 120_000); // renders 96 frames of 720x1280: CPU-bound, slow on a shared machine
  }
});
