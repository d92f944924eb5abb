import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { APIError } from "openai";
import { artifacts, videoJobs } from "@/db/schema";

import { getCatalog, type VideoModel } from "@/lib/catalog";
import { newId } from "@/lib/ids";
import { reserve } from "@/lib/ledger";
import { purgeExpiredArtifacts } from "@/lib/media/artifacts";
import { insertVideoJob, reviveIfStale, reviveStaleVideoJobs, runVideoJob, STALE_QUEUED_MS, STALE_RUNNING_MS, waitForVideoJobs } from "@/lib/media/video-jobs";
import { inspectMp4 } from "@/lib/providers/local/media/mp4";
import { renderVideoThumbnail } from "@/lib/providers/local/media/video";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { mediaAccount, moneyState, rawCall } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp();

const START = 10_000_000n;
const perSecond = () => (getCatalog().get("local/video-sim") as VideoModel).pricing.microUsdPerSecond;

/** A job row with its reservation, as POST /v1/videos leaves it (tiny size: fast to render). */
async function queuedJob(a: { accountId: string; keyId: string }, seconds = 1, model = "local/video-sim") {
  const requestId = newId("req");
  const reservedMicroUsd = BigInt(seconds) * perSecond();
  await reserve(app.db, { accountId: a.accountId, keyId: a.keyId, requestId, amountMicroUsd: reservedMicroUsd });
  return insertVideoJob(app.db, {
    id: newId("vid"),
    accountId: a.accountId,
    keyId: a.keyId,
    requestId,
    model,
    prompt: "p",
    seconds,
    size: "64x48",
    reservedMicroUsd,
  });
}

describe(`video jobs on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("creates a job, renders an H.264 MP4 of seconds x fps frames, and settles seconds x price once", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const { data: created, response } = await client.videos
      .create({ model: "local/video-sim", prompt: "a paper boat on a river", seconds: "4", size: "1280x720" })
      .withResponse();
    expect(created).toMatchObject({ object: "video", model: "local/video-sim", status: "queued", seconds: "4", size: "1280x720", progress: 0, error: null });
    expect(created.id).toMatch(/^vid_/);
    const requestId = response.headers.get("x-request-id")!;
    const expected = 4n * perSecond();
    // Reserved at creation: spendable credit is already down, the balance not yet.
    const held = await moneyState(app.db, a.accountId);
    expect([held.balanceMicroUsd, held.reservedMicroUsd]).toEqual([START, expected]);

    await waitForVideoJobs();
    const done = await client.videos.retrieve(created.id);
    expect(done).toMatchObject({ id: created.id, status: "completed", progress: 100, error: null });
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    expect((done as unknown as { usage: object }).usage).toEqual({
      seconds: 4,
      cost: Number(expected) / 1e6,
      cost_micro_usd: Number(expected),
      cost_source: "provider",
    });

    const content = await client.videos.downloadContent(created.id);
    expect(content.headers.get("content-type")).toBe("video/mp4");
    expect(content.headers.get("content-disposition")).toBe(`attachment; filename="${created.id}.mp4"`);
    expect(content.headers.get("x-cost-micro-usd")).toBe(String(expected));
    const mp4 = new Uint8Array(await content.arrayBuffer());
    expect(Buffer.from(mp4.subarray(4, 8)).toString("latin1")).toBe("ftyp");
    expect(inspectMp4(mp4)).toMatchObject({ codec: "avc1", width: 1280, height: 720, fps: 24, sampleCount: 96, durationSeconds: 4 });
    const thumb = await client.videos.downloadContent(created.id, { variant: "thumbnail" });
    expect(thumb.headers.get("content-type")).toBe("image/jpeg");
    const jpeg = Buffer.from(await thumb.arrayBuffer());
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    expect(jpeg.equals(renderVideoThumbnail("a paper boat on a river", { width: 1280, height: 720 }))).toBe(true);

    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: START - expected, reservedMicroUsd: 0n, auditOk: true });
    expect(m.usageEntries.map((e) => [e.reference, e.amountMicroUsd])).toEqual([[requestId, -expected]]);
    expect(m.usage).toHaveLength(1);
    expect(m.usage[0]).toMatchObject({ requestId, modality: "video", videoSeconds: 4, costMicroUsd: expected, status: "ok" });

    const list = await rawCall("/v1/videos", { key: a.secret });
    expect(list.body).toMatchObject({ object: "list", data: [{ id: created.id, status: "completed" }], has_more: false });
  }, 120_000); // 96 frames of 1280x720 JPEG: CPU-bound, slow on a shared machine

  it("keeps jobs private: another account gets 404 for status and content", async () => {
    const owner = await mediaAccount(app.db);
    const other = await mediaAccount(app.db);
    const job = await queuedJob(owner);
    await runVideoJob(app.db, job.id);
    for (const path of [`/v1/videos/${job.id}`, `/v1/videos/${job.id}/content`]) {
      const r = await rawCall(path, { key: other.secret });
      expect([r.status, r.body.error.code, r.body.error.type]).toEqual([404, "not_found", "invalid_request_error"]);
    }
    expect((await rawCall(`/v1/videos/${job.id}`, { key: owner.secret })).body.status).toBe("completed");
    expect((await rawCall(`/v1/videos/vid_nope`, { key: owner.secret })).status).toBe(404);
  });

  it("content of an unfinished job is a 400 that says so", async () => {
    const a = await mediaAccount(app.db);
    const job = await queuedJob(a);
    const r = await rawCall(`/v1/videos/${job.id}/content`, { key: a.secret });
    expect([r.status, r.body.error.message]).toEqual([400, expect.stringMatching(/not ready: its status is queued/)]);
    await runVideoJob(app.db, job.id);
  });

  it("settles exactly once when two instances race to run the same job", async () => {
    const a = await mediaAccount(app.db);
    const job = await queuedJob(a, 2);
    await Promise.all([runVideoJob(app.db, job.id), runVideoJob(app.db, job.id), runVideoJob(app.db, job.id)]);
    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: START - 2n * perSecond(), reservedMicroUsd: 0n, auditOk: true });
    expect(m.usageEntries).toHaveLength(1);
    expect(m.usage).toHaveLength(1);
  });

  it("a failed job releases its reservation and charges nothing", async () => {
    const a = await mediaAccount(app.db);
    const job = await queuedJob(a, 3, "local/removed-model"); // the model vanished from the catalog
    await runVideoJob(app.db, job.id);
    const r = await rawCall(`/v1/videos/${job.id}`, { key: a.secret });
    expect(r.body).toMatchObject({ status: "failed", error: { code: "generation_failed" }, usage: { seconds: 0, cost_micro_usd: 0 } });
    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: START, reservedMicroUsd: 0n, auditOk: true });
    expect(m.usageEntries).toHaveLength(0);
    expect(m.usage[0]).toMatchObject({ status: "failed", costMicroUsd: 0n });
  });

  it("a job abandoned mid-render by a dead instance is failed and released on the next poll", async () => {
    const a = await mediaAccount(app.db);
    const job = await queuedJob(a, 2);
    const startedAt = new Date(Date.now() - STALE_RUNNING_MS - 1000);
    const [running] = await app.db.update(videoJobs).set({ status: "in_progress", startedAt }).where(eq(videoJobs.id, job.id)).returning();
    expect((await reviveIfStale(app.db, running)).status).toBe("failed");
    await runVideoJob(app.db, job.id); // a late runner changes nothing
    const r = await rawCall(`/v1/videos/${job.id}`, { key: a.secret });
    expect(r.body).toMatchObject({ status: "failed", error: { code: "job_expired" } });
    expect(await moneyState(app.db, a.accountId)).toMatchObject({ balanceMicroUsd: START, reservedMicroUsd: 0n, auditOk: true });
  });

  it("refuses bad seconds, size, model and body with 4xx and reserves nothing; 402 when the seconds are unaffordable", async () => {
    const a = await mediaAccount(app.db);
    const post = (body: Record<string, unknown>) =>
      rawCall("/v1/videos", { method: "POST", key: a.secret, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const base = { model: "local/video-sim", prompt: "x" };
    for (const [body, param] of [
      [{ ...base, seconds: "0" }, "seconds"],
      [{ ...base, seconds: 21 }, "seconds"],
      [{ ...base, seconds: "four" }, "seconds"],
      [{ ...base, seconds: 2.5 }, "seconds"],
      [{ ...base, size: "640x480" }, "size"],
      [{ ...base, prompt: "" }, "prompt"],
      [{ model: "local/image-sim", prompt: "x" }, "model"],
    ] as const) {
      const r = await post(body);
      expect([r.status, r.body.error.param], JSON.stringify(body)).toEqual([400, param]);
    }
    expect((await post({ model: "nope", prompt: "x" })).status).toBe(404);
    const text = await rawCall("/v1/videos", { method: "POST", key: a.secret, headers: { "content-type": "text/plain" }, body: "x" });
    expect(text.status).toBe(415);
    expect(await moneyState(app.db, a.accountId)).toMatchObject({ balanceMicroUsd: START, reservedMicroUsd: 0n });
    expect(await app.db.select().from(videoJobs).where(eq(videoJobs.accountId, a.accountId))).toHaveLength(0);

    const poor = await mediaAccount(app.db, { availableMicroUsd: 8n * perSecond() - 1n });
    const err = await sdkClient(poor.secret)
      .videos.create({ model: "local/video-sim", prompt: "x", seconds: "8" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(APIError);
    expect([err.status, err.error.code]).toEqual([402, "insufficient_quota"]);
    expect(await app.db.select().from(videoJobs).where(eq(videoJobs.accountId, poor.accountId))).toHaveLength(0);
    expect(await moneyState(app.db, poor.accountId)).toMatchObject({ balanceMicroUsd: 8n * perSecond() - 1n, reservedMicroUsd: 0n });
  });

  it("jobs left behind are recovered without anyone polling: a stale queued one is rendered and charged, a stale running one failed and released", async () => {
    const a = await mediaAccount(app.db);
    const orphan = await queuedJob(a, 1);
    const dead = await queuedJob(a, 2);
    const fresh = await queuedJob(a, 1);
    const now = Date.now();
    await app.db
      .update(videoJobs)
      .set({ createdAt: new Date(now - STALE_QUEUED_MS - 1000) })
      .where(eq(videoJobs.id, orphan.id));
    await app.db
      .update(videoJobs)
      .set({ status: "in_progress", startedAt: new Date(now - STALE_RUNNING_MS - 1000) })
      .where(eq(videoJobs.id, dead.id));

    expect(await reviveStaleVideoJobs(app.db, now)).toBe(2);
    await waitForVideoJobs();
    const status = async (id: string) => (await app.db.select().from(videoJobs).where(eq(videoJobs.id, id)))[0];
    expect(await status(orphan.id)).toMatchObject({ status: "completed", costMicroUsd: perSecond() });
    expect(await status(dead.id)).toMatchObject({ status: "failed", errorCode: "job_expired" });
    expect(await status(fresh.id)).toMatchObject({ status: "queued" }); // its own instance may still start it
    // Charged for the rendered one only; the fresh one still holds its reservation.
    expect(await moneyState(app.db, a.accountId)).toMatchObject({ balanceMicroUsd: START - perSecond(), reservedMicroUsd: perSecond(), auditOk: true });
    expect(await reviveStaleVideoJobs(app.db, now)).toBe(0);
  });

  it("finished content expires: refused at its expiry, then deleted by the purge with the job and its charge kept", async () => {
    const a = await mediaAccount(app.db);
    const job = await queuedJob(a, 1);
    await runVideoJob(app.db, job.id);
    const other = await queuedJob(a, 1); // not expired: kept
    await runVideoJob(app.db, other.id);
    const done = (await app.db.select().from(videoJobs).where(eq(videoJobs.id, job.id)))[0];
    expect(done).toMatchObject({ status: "completed" });
    expect((await rawCall(`/v1/videos/${job.id}/content`, { key: a.secret })).status).toBe(200);
    const charged = await moneyState(app.db, a.accountId);

    // Its expiry passes: refused at once, before any purge.
    await app.db
      .update(artifacts)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(artifacts.id, done.artifactId!));
    await app.db
      .update(videoJobs)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(videoJobs.id, job.id));
    const refused = await rawCall(`/v1/videos/${job.id}/content`, { key: a.secret });
    expect(refused.status).toBe(404);
    expect(refused.body.error.message).toContain(`The content of video '${job.id}' has expired`);
    expect(refused.body.error.message).toContain("POST /v1/videos");

    // The purge deletes it (in batches: batch 1 here) and unlinks the job; the job, its cost and the money stay.
    expect(await purgeExpiredArtifacts(app.db, { batch: 1 })).toBeGreaterThanOrEqual(1);
    expect(await app.db.select().from(artifacts).where(eq(artifacts.id, done.artifactId!))).toEqual([]);
    expect((await app.db.select().from(videoJobs).where(eq(videoJobs.id, job.id)))[0]).toMatchObject({
      status: "completed",
      artifactId: null,
      costMicroUsd: done.costMicroUsd,
    });
    const after = await rawCall(`/v1/videos/${job.id}/content`, { key: a.secret });
    expect([after.status, after.body.error.code]).toEqual([404, "not_found"]);
    expect((await rawCall(`/v1/videos/${job.id}`, { key: a.secret })).body).toMatchObject({ id: job.id, status: "completed" });
    expect((await rawCall(`/v1/videos/${other.id}/content`, { key: a.secret })).status).toBe(200);
    expect(await moneyState(app.db, a.accountId)).toEqual(charged);
  });
});
