import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { APIError } from "openai";
import { artifacts, videoJobs } from "@/db/schema";

import { newId } from "@/lib/ids";
import { reserve } from "@/lib/ledger";
import { insertVideoJob, runVideoJob } from "@/lib/media/video-jobs";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { mediaAccount, moneyState, rawCall } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

// GET /v1/videos pages with after/limit/order until has_more is false (the SDK's
// auto-pager ends), and DELETE /v1/videos/{id} removes an ended job and its content.

const app = integrationApp();

/** Job rows as POST /v1/videos leaves them; `at` lets several share one created_at (ties). */
async function rows(a: { accountId: string; keyId: string }, n: number, at?: Date) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newId("vid");
    await app.db.insert(videoJobs).values({
      id,
      accountId: a.accountId,
      keyId: a.keyId,
      requestId: newId("req"),
      model: "local/video-sim",
      prompt: `p${i}`,
      seconds: 1,
      size: "720x1280",
      status: "failed",
      reservedMicroUsd: 0n,
      ...(at ? { createdAt: at } : {}),
    });
    ids.push(id);
  }
  return ids;
}

describe(`GET /v1/videos pagination and DELETE /v1/videos/{id} on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("the SDK's auto-pager visits every job exactly once, in order, and ends (ties on created_at included)", async () => {
    const a = await mediaAccount(app.db);
    const other = await mediaAccount(app.db);
    await rows(other, 3); // another account's jobs never show
    const tie = new Date("2026-01-01T00:00:00Z");
    const ids = [...(await rows(a, 4, tie)), ...(await rows(a, 9))];
    const client = sdkClient(a.secret);

    const seen: string[] = [];
    for await (const v of client.videos.list({ limit: 3 })) seen.push(v.id);
    expect(seen.length).toBe(13);
    expect(new Set(seen)).toEqual(new Set(ids));

    const asc: string[] = [];
    for await (const v of client.videos.list({ limit: 5, order: "asc" })) asc.push(v.id);
    expect(asc).toEqual([...seen].reverse());

    // The pages themselves: has_more false on the last one, first_id/last_id its ends.
    const first = await client.videos.list({ limit: 10 });
    expect(first.has_more).toBe(true);
    const body = (await rawCall(`/v1/videos?limit=10&after=${seen[9]}`, { key: a.secret })).body;
    expect(body).toMatchObject({ object: "list", has_more: false, first_id: seen[10], last_id: seen[12] });
    expect(body.data.map((v: { id: string }) => v.id)).toEqual(seen.slice(10));
    const exact = (await rawCall(`/v1/videos?limit=13`, { key: a.secret })).body;
    expect([exact.data.length, exact.has_more]).toEqual([13, false]);
    const none = (await rawCall(`/v1/videos?after=${seen[12]}`, { key: a.secret })).body;
    expect(none).toEqual({ object: "list", data: [], first_id: null, last_id: null, has_more: false });
  });

  it("refuses bad limit, order and after with a 400 naming the parameter", async () => {
    const a = await mediaAccount(app.db);
    const other = await mediaAccount(app.db);
    const [foreign] = await rows(other, 1);
    for (const [q, param] of [
      ["limit=101", "limit"],
      ["limit=-1", "limit"],
      ["limit=abc", "limit"],
      ["order=up", "order"],
      ["after=vid_nope", "after"],
      [`after=${foreign}`, "after"], // another account's id is no cursor here
    ]) {
      const r = await rawCall(`/v1/videos?${q}`, { key: a.secret });
      expect([r.status, r.body.error.param], q).toEqual([400, param]);
    }
  });

  it("DELETE removes a finished job and its content; a running one is refused with its hold intact; others' jobs are 404", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    // A job as POST /v1/videos leaves it, tiny (fast to render), then rendered and settled.
    const reqId = newId("req");
    await reserve(app.db, { accountId: a.accountId, keyId: a.keyId, requestId: reqId, amountMicroUsd: 50_000n });
    const created = await insertVideoJob(app.db, {
      id: newId("vid"),
      accountId: a.accountId,
      keyId: a.keyId,
      requestId: reqId,
      model: "local/video-sim",
      prompt: "a kite",
      seconds: 1,
      size: "64x48",
      reservedMicroUsd: 50_000n,
    });
    await runVideoJob(app.db, created.id);
    const [job] = await app.db.select().from(videoJobs).where(eq(videoJobs.id, created.id));
    expect(job.status).toBe("completed");
    const before = await moneyState(app.db, a.accountId);

    // Another account cannot delete it (nor learn it exists).
    const stranger = await mediaAccount(app.db);
    await expect(sdkClient(stranger.secret).videos.delete(created.id)).rejects.toMatchObject({ status: 404 });

    const deleted = await client.videos.delete(created.id);
    expect(deleted).toEqual({ id: created.id, object: "video.deleted", deleted: true });
    expect(await app.db.select().from(artifacts).where(eq(artifacts.id, job.artifactId!))).toEqual([]);
    await expect(client.videos.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.videos.delete(created.id)).rejects.toMatchObject({ status: 404 });
    // The charge stays charged: deleting moves no money.
    const after = await moneyState(app.db, a.accountId);
    expect([after.balanceMicroUsd, after.reservedMicroUsd, after.auditOk]).toEqual([before.balanceMicroUsd, 0n, true]);

    // A queued job holds its reservation: deleting it is refused, nothing changes.
    const requestId = newId("req");
    await reserve(app.db, { accountId: a.accountId, keyId: a.keyId, requestId, amountMicroUsd: 50_000n });
    const id = newId("vid");
    await app.db.insert(videoJobs).values({
      id,
      accountId: a.accountId,
      keyId: a.keyId,
      requestId,
      model: "local/video-sim",
      prompt: "p",
      seconds: 1,
      size: "720x1280",
      reservedMicroUsd: 50_000n,
    });
    const refused = await client.videos.delete(id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(APIError);
    expect(refused).toMatchObject({ status: 400, param: "video_id" });
    expect((await moneyState(app.db, a.accountId)).reservedMicroUsd).toBe(50_000n);
    expect((await app.db.select().from(videoJobs).where(eq(videoJobs.id, id))).length).toBe(1);
  });
});
