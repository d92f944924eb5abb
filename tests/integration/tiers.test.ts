// @module-tag pglite
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { billingAccounts, tierRequests } from "@/db/schema";
import { setTier } from "@/lib/accounts";
import { onKeyChange } from "@/lib/api-keys/changes";
import { decideTierRequest, latestTierRequest, listPendingTierRequests, requestElevated } from "@/lib/tiers";
import { makeAccount } from "../helpers/accounts";
import { integrationApp } from "../helpers/fixture";

const app = integrationApp();
let admin: Awaited<ReturnType<typeof makeAccount>>;
beforeAll(async () => {
  admin = await makeAccount(app.db, `admin-${Date.now()}@example.test`);
});

const REASON = "Building a support bot for our team";
const tierOf = async (accountId: string) =>
  (await app.db.select({ tier: billingAccounts.tier }).from(billingAccounts).where(eq(billingAccounts.id, accountId)))[0].tier;

describe("requestElevated", () => {
  it("files one pending request for a Free account; a second one is refused", async () => {
    const a = await makeAccount(app.db);
    const first = await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: `  ${REASON}  ` });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.request).toMatchObject({ status: "pending", requestedTier: "elevated", reason: REASON, decidedAt: null });
    expect(first.request.id).toMatch(/^tier_[0-9A-Za-z]{20}$/);

    const second = await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: REASON });
    expect(second).toMatchObject({ ok: false, code: "already_pending" });
    expect((await latestTierRequest(app.db, a.accountId))?.id).toBe(first.request.id);
  });

  it("refuses concurrent duplicates at the database (exactly one pending row)", async () => {
    const a = await makeAccount(app.db);
    const results = await Promise.all(Array.from({ length: 8 }, () => requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: REASON })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === "already_pending")).toBe(true);
    const rowsFor = await app.db.select().from(tierRequests).where(eq(tierRequests.accountId, a.accountId));
    expect(rowsFor).toHaveLength(1);
  });

  it("validates the reason and refuses accounts that are not Free", async () => {
    const a = await makeAccount(app.db);
    expect(await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: "pls" })).toMatchObject({ ok: false, code: "invalid_reason" });
    expect(await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: "x".repeat(501) })).toMatchObject({
      ok: false,
      code: "invalid_reason",
    });
    expect(await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: 42 })).toMatchObject({ ok: false, code: "invalid_reason" });
    await setTier(app.db, a.accountId, "paid");
    const r = await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: REASON });
    expect(r).toMatchObject({ ok: false, code: "not_free" });
    expect(!r.ok && r.message).toContain("Paid");
    expect(await latestTierRequest(app.db, a.accountId)).toBeNull();
  });
});

describe("decideTierRequest", () => {
  it("approval makes the account Elevated, records who and when, and announces the change", async () => {
    const a = await makeAccount(app.db);
    const filed = await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: REASON });
    if (!filed.ok) throw new Error(filed.message);
    expect((await listPendingTierRequests(app.db)).find((p) => p.id === filed.request.id)).toMatchObject({
      email: a.email,
      currentTier: "free",
      requestedTier: "elevated",
      reason: REASON,
    });

    const heard: unknown[] = [];
    const off = onKeyChange((c) => heard.push(c));
    const res = await decideTierRequest(app.db, { requestId: filed.request.id, decision: "approve", adminUserId: admin.userId });
    off();
    expect(res).toEqual({ ok: true, status: "approved", accountId: a.accountId, tier: "elevated" });
    expect(await tierOf(a.accountId)).toBe("elevated");
    expect(heard).toContainEqual({ accountId: a.accountId });
    const row = await latestTierRequest(app.db, a.accountId);
    expect(row).toMatchObject({ status: "approved", decidedByUserId: admin.userId });
    expect(row?.decidedAt).toBeInstanceOf(Date);
    expect((await listPendingTierRequests(app.db)).some((p) => p.id === filed.request.id)).toBe(false);

    // Decided once: a second decision (another admin, a double click) changes nothing.
    expect(await decideTierRequest(app.db, { requestId: filed.request.id, decision: "decline", adminUserId: admin.userId })).toMatchObject({
      ok: false,
      code: "not_pending",
    });
    expect((await latestTierRequest(app.db, a.accountId))?.status).toBe("approved");
  });

  it("declining leaves the tier alone, and the user may ask again", async () => {
    const a = await makeAccount(app.db);
    const filed = await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: REASON });
    if (!filed.ok) throw new Error(filed.message);
    expect(await decideTierRequest(app.db, { requestId: filed.request.id, decision: "decline", adminUserId: admin.userId })).toEqual({
      ok: true,
      status: "declined",
      accountId: a.accountId,
      tier: "free",
    });
    expect(await tierOf(a.accountId)).toBe("free");
    expect((await latestTierRequest(app.db, a.accountId))?.status).toBe("declined");
    const again = await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: "Second try: " + REASON });
    expect(again.ok).toBe(true);
    expect((await latestTierRequest(app.db, a.accountId))?.status).toBe("pending");
  });

  it("an account that became Paid while waiting stays Paid on approval", async () => {
    const a = await makeAccount(app.db);
    const filed = await requestElevated(app.db, { accountId: a.accountId, userId: a.userId, reason: REASON });
    if (!filed.ok) throw new Error(filed.message);
    await setTier(app.db, a.accountId, "paid");
    const res = await decideTierRequest(app.db, { requestId: filed.request.id, decision: "approve", adminUserId: admin.userId });
    expect(res).toEqual({ ok: true, status: "approved", accountId: a.accountId, tier: "paid" });
    expect(await tierOf(a.accountId)).toBe("paid");
  });

  it("refuses ids that are not tier request ids, and unknown ones", async () => {
    for (const requestId of ["", "x", "acct_AAAAAAAAAAAAAAAAAAAA", "tier_'; drop table users;--", null, 7]) {
      expect(await decideTierRequest(app.db, { requestId, decision: "approve", adminUserId: admin.userId })).toMatchObject({
        ok: false,
        code: "invalid_request_id",
      });
    }
    expect(await decideTierRequest(app.db, { requestId: "tier_AAAAAAAAAAAAAAAAAAAA", decision: "approve", adminUserId: admin.userId })).toMatchObject({
      ok: false,
      code: "not_pending",
    });
  });
});
