// @module-tag pglite
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { artifacts, videoJobs } from "@/db/schema";
import { newId } from "@/lib/ids";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccount } from "@/tests/helpers/accounts";
import { loadArtifact, purgeExpiredArtifacts, storeArtifact } from "./artifacts";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.drop());

describe(`artifact expiry on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("expired artifacts are refused, then purged in batches; live and never-expiring ones stay", async () => {
    const { accountId } = await makeAccount(t.db);
    const bytes = new Uint8Array([1, 2, 3]);
    const expired = await Promise.all(Array.from({ length: 5 }, () => storeArtifact(t.db, { accountId, contentType: "image/png", bytes, ttlSeconds: 3600 })));
    const live = await storeArtifact(t.db, { accountId, contentType: "image/png", bytes, ttlSeconds: 3600 });
    const forever = await storeArtifact(t.db, { accountId, contentType: "image/png", bytes });
    await t.db
      .update(artifacts)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(inArray(artifacts.id, expired));
    // A finished video job pointing at one of them: unlinked in the same statement, kept.
    const jobId = newId("vid");
    await t.db.insert(videoJobs).values({
      id: jobId,
      accountId,
      requestId: newId("req"),
      model: "local/video-sim",
      prompt: "p",
      seconds: 1,
      size: "64x48",
      status: "completed",
      artifactId: expired[0],
      reservedMicroUsd: 10n,
      costMicroUsd: 10n,
    });

    expect(await loadArtifact(t.db, { id: expired[0] })).toBeNull();
    expect(await loadArtifact(t.db, { id: live })).not.toBeNull();
    expect(await purgeExpiredArtifacts(t.db, { batch: 2 })).toBe(5); // 2 + 2 + 1
    expect(await purgeExpiredArtifacts(t.db)).toBe(0);
    const left = await t.db.select({ id: artifacts.id }).from(artifacts).where(eq(artifacts.accountId, accountId));
    expect(left.map((r) => r.id).sort()).toEqual([live, forever].sort());
    expect((await t.db.select().from(videoJobs).where(eq(videoJobs.id, jobId)))[0]).toMatchObject({ status: "completed", artifactId: null, costMicroUsd: 10n });
  });
});
