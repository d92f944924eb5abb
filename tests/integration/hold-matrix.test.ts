// @module-tag pglite
import { describe, expect, it } from "vitest";
import { and, eq, like } from "drizzle-orm";
import { toFile } from "openai";
import { ledgerEntries, reservations, usageEvents } from "@/db/schema";
import { setKeySpendLimit } from "@/lib/api-keys/spend-limit";
import { getCatalog, type CatalogModel } from "@/lib/catalog";
import { auditAccount } from "@/lib/ledger";
import { waitForVideoJobs } from "@/lib/media/video-jobs";
import { costMicroUsd, type Units } from "@/lib/metering/cost";
import { releaseAllLeases } from "@/lib/metering/credit-lease";
import { keySpentMicroUsd } from "@/lib/metering/spend-limits";
import { synthesizeSpeech } from "@/lib/providers/local/media/speech";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { listProjects, projectSpend, setProjectBudget } from "@/lib/projects";
import { integrationApp } from "@/tests/helpers/fixture";

// Every modality through every kind of hold (docs/architecture.md, "Holds"): a reservation
// row of its own (an account's odd request), a credit lease (a hot, well-funded account),
// a key with a spend limit (its hold taken under the key's row lock), and a key of a project
// with a budget (under the project's row lock). Each cell checks
// the exact charge (from the units the answer reports and the catalog's prices), the one
// usage event and ledger entry of the request, that the kind of hold it names was the one
// used, and that the hold is released: no open reservation, the lease's users back to zero
// (a lease still in use cannot be given back), balance = Σ ledger.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";
// Leases stay open for the whole cell, so what a request did to its lease can be read.
process.env.CREDIT_LEASE_IDLE_MS = "60000";

const app = integrationApp();
const model = (id: string) => getCatalog().get(id) as CatalogModel;
const wav = encodeWav(synthesizeSpeech("a short sentence to transcribe").subarray(0, 36_000), 24_000); // 1.5 s

type Outcome = { requestId: string; reportedMicroUsd: bigint; expectedMicroUsd: bigint; modality: string };
type Modality = { name: string; deferred?: boolean; run: (secret: string) => Promise<Outcome> };

const MODALITIES: Modality[] = [
  {
    name: "chat",
    run: async (secret) => {
      const { data, response } = await app
        .client(secret)
        .chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "price me" }], max_tokens: 32 })
        .withResponse();
      const u = data.usage as unknown as { prompt_tokens: number; completion_tokens: number; cost_micro_usd: number };
      return outcome(response, u.cost_micro_usd, "local/echo-chat", { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens });
    },
  },
  {
    name: "chat streamed",
    run: async (secret) => {
      const { data: stream, response } = await app
        .client(secret)
        .chat.completions.create({
          model: "local/echo-chat",
          messages: [{ role: "user", content: "stream me" }],
          max_tokens: 32,
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      let u: { prompt_tokens: number; completion_tokens: number; cost_micro_usd: number } | undefined;
      for await (const chunk of stream) if (chunk.usage) u = chunk.usage as never;
      return outcome(response, u!.cost_micro_usd, "local/echo-chat", { inputTokens: u!.prompt_tokens, outputTokens: u!.completion_tokens });
    },
  },
  {
    name: "completions",
    run: async (secret) => {
      const { data, response } = await app
        .client(secret)
        .completions.create({ model: "local/echo-completion", prompt: "complete me", max_tokens: 16 })
        .withResponse();
      const u = data.usage as unknown as { prompt_tokens: number; completion_tokens: number; cost_micro_usd: number };
      return outcome(response, u.cost_micro_usd, "local/echo-completion", { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens });
    },
  },
  {
    name: "images",
    run: async (secret) => {
      const { data, response } = await app
        .client(secret)
        .images.generate({ model: "local/image-sim", prompt: "a lighthouse", n: 2, size: "256x256" })
        .withResponse();
      return outcome(response, (data.usage as unknown as { cost_micro_usd: number }).cost_micro_usd, "local/image-sim", { images: data.data!.length });
    },
  },
  {
    name: "speech",
    run: async (secret) => {
      const input = "Hello, metered world";
      const res = await app.client(secret).audio.speech.create({ model: "local/tts-sim", input, voice: "alloy", response_format: "wav" });
      await res.arrayBuffer();
      return outcome(res, Number(res.headers.get("x-cost-micro-usd")), "local/tts-sim", { characters: [...input].length });
    },
  },
  {
    name: "transcription",
    run: async (secret) => {
      const { data, response } = await app
        .client(secret)
        .audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim" })
        .withResponse();
      const u = (data as unknown as { usage: { seconds: number; cost_micro_usd: number } }).usage;
      return outcome(response, u.cost_micro_usd, "local/stt-sim", { audioMs: 1500 });
    },
  },
  {
    name: "video",
    deferred: true,
    run: async (secret) => {
      const client = app.client(secret);
      const { data: created, response } = await client.videos
        .create({ model: "local/video-sim", prompt: "a paper boat", seconds: "1" as never, size: "720x1280" })
        .withResponse();
      const requestId = response.headers.get("x-request-id")!;
      // The hold outlives the request: a reservation row of its own, whatever hold the request had.
      const [own] = await app.db.select().from(reservations).where(eq(reservations.requestId, requestId));
      expect(own?.amountMicroUsd).toBe(costMicroUsd(model("local/video-sim"), { videoSeconds: 1 }));
      await waitForVideoJobs();
      const done = await client.videos.retrieve(created.id);
      expect(done).toMatchObject({ status: "completed", error: null });
      const reported = (done as unknown as { usage: { cost_micro_usd: number } }).usage.cost_micro_usd;
      return {
        requestId,
        reportedMicroUsd: BigInt(reported),
        expectedMicroUsd: costMicroUsd(model("local/video-sim"), { videoSeconds: 1 }),
        modality: "video",
      };
    },
  },
];

function outcome(res: Response, reported: number, modelId: string, units: Units): Outcome {
  return {
    requestId: res.headers.get("x-request-id")!,
    reportedMicroUsd: BigInt(reported),
    expectedMicroUsd: costMicroUsd(model(modelId), units),
    modality: model(modelId).modality,
  };
}

const leaseRows = (accountId: string) =>
  app.db
    .select()
    .from(reservations)
    .where(and(eq(reservations.accountId, accountId), like(reservations.requestId, "lease\\_%")));
const leaseAmount = async (accountId: string) => (await leaseRows(accountId)).reduce((s, r) => s + r.amountMicroUsd, 0n);

type Hold = {
  name: string;
  /** Prepares the account (and says how to prove afterwards that this kind of hold was the one used). */
  prepare: (a: { accountId: string; keyId: string; secret: string }) => Promise<{ check: (o: Outcome, m: Modality) => Promise<void> }>;
};

const HOLDS: Hold[] = [
  {
    name: "reservation row",
    // An account's odd request is not hot: it reserves a row of its own.
    prepare: async (a) => ({
      check: async () => expect(await leaseRows(a.accountId)).toEqual([]),
    }),
  },
  {
    name: "credit lease",
    // Hot and rich: a burst of requests opens a lease ($2.00 here, sized by the n=4 image
    // requests' worst case), and the next request's hold is taken from it in memory.
    prepare: async (a) => {
      const client = app.client(a.secret);
      await Promise.all(Array.from({ length: 6 }, () => client.images.generate({ model: "local/image-sim", prompt: "warm", n: 4, size: "256x256" })));
      const before = await leaseAmount(a.accountId);
      expect(before).toBeGreaterThan(0n);
      return {
        check: async (o, m) => {
          // Answered from the lease: the lease paid the charge (settled against it); deferred
          // work moved its hold out of the lease into a row of its own instead.
          const after = await leaseAmount(a.accountId);
          expect(before - after).toBe(m.deferred ? o.expectedMicroUsd : o.reportedMicroUsd);
        },
      };
    },
  },
  {
    name: "spend-limited key",
    prepare: async (a) => {
      expect(await setKeySpendLimit(app.db, { accountId: a.accountId, keyId: a.keyId, limitMicroUsd: 5_000_000n, period: "daily" })).toBe(true);
      return {
        check: async (o) => {
          expect(await leaseRows(a.accountId)).toEqual([]);
          expect((await keySpentMicroUsd(app.db, { keyId: a.keyId, period: "daily" })).spentMicroUsd).toBe(o.reportedMicroUsd);
        },
      };
    },
  },
  {
    // Issue 24: the hold is taken under the project's row lock (lib/ledger/project-budget.ts).
    name: "budgeted project",
    prepare: async (a) => {
      const [project] = await listProjects(app.db, a.accountId); // Default, where the key is
      expect(await setProjectBudget(app.db, { accountId: a.accountId, projectId: project.id, monthlyBudgetMicroUsd: 5_000_000n })).toBe(true);
      return {
        check: async (o) => {
          expect(await leaseRows(a.accountId)).toEqual([]);
          expect((await projectSpend(app.db, project.id)).spentMicroUsd).toBe(o.reportedMicroUsd);
        },
      };
    },
  },
];

describe(`every modality through every kind of hold on ${process.env.TEST_DB ?? "postgres"}`, () => {
  for (const hold of HOLDS) {
    for (const m of MODALITIES) {
      it(`${m.name} × ${hold.name}: exact charge, one usage event, hold released`, async () => {
        const a = await app.account({ tier: "paid" });
        const { check } = await hold.prepare(a);
        const o = await m.run(a.secret);

        expect(o.expectedMicroUsd).toBeGreaterThan(0n);
        expect(o.reportedMicroUsd).toBe(o.expectedMicroUsd);
        const events = await app.db.select().from(usageEvents).where(eq(usageEvents.requestId, o.requestId));
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ accountId: a.accountId, keyId: a.keyId, modality: o.modality, costMicroUsd: o.expectedMicroUsd, status: "ok" });
        const entries = await app.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, o.requestId));
        expect(entries.map((e) => [e.kind, e.amountMicroUsd])).toEqual([["usage", -o.expectedMicroUsd]]);
        expect(await app.db.select().from(reservations).where(eq(reservations.requestId, o.requestId))).toEqual([]);
        await check(o, m);

        // Released: a lease nobody uses any more is given back now; one whose user count did
        // not return to zero would keep its row, and the account some reserved credit.
        await releaseAllLeases();
        expect(await app.db.select().from(reservations).where(eq(reservations.accountId, a.accountId))).toEqual([]);
        const audit = await auditAccount(app.db, a.accountId);
        const charged = (await app.db.select().from(usageEvents).where(eq(usageEvents.accountId, a.accountId))).reduce((s, e) => s + e.costMicroUsd, 0n);
        expect(audit).toMatchObject({ ok: true, reservedMicroUsd: 0n, balanceMicroUsd: 10_000_000n - charged });
      });
    }
  }
});
