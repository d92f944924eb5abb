import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { apiKeys, billingAccounts, ledgerEntries, managementKeys, organizationInvites, organizationMembers, projects } from "@/db/schema";
import { createUserWithAccount } from "@/lib/accounts";
import { createApiKey } from "@/lib/api-keys";
import { createManagementKey, findActiveManagementKey } from "@/lib/management/keys";
import { createOrganization, listMemberships, OrgError, renameOrganization } from "@/lib/orgs";
import { acceptInvite, createInvite, hashInviteToken, INVITE_TTL_MS, listPendingInvites, previewInvite, resendInvite, revokeInvite } from "@/lib/orgs/invites";
import { changeMemberRole, listMembers, removeMember } from "@/lib/orgs/members";
import { makeAccount } from "@/tests/helpers/accounts";
import { integrationApp } from "@/tests/helpers/fixture";
import { recordEmails } from "@/tests/helpers/mail";

const app = integrationApp();
const ORIGIN = "http://app.test";
let mail: ReturnType<typeof recordEmails>;
beforeAll(() => {
  mail = recordEmails();
});
afterAll(() => mail.stop());

const email = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}@example.test`;

/** An organization owned by a new verified user, plus `others` joined with the given roles. */
async function orgWith(...roles: ("owner" | "admin" | "billing" | "member")[]) {
  const owner = await makeAccount(app.db, email("owner"));
  const { accountId } = await createOrganization(app.db, { userId: owner.userId, name: "Acme" });
  const others = [];
  for (const role of roles) {
    const who = await makeAccount(app.db, email(role));
    const { token } = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: who.email, role, origin: ORIGIN });
    expect(await acceptInvite(app.db, { token, userId: who.userId })).toMatchObject({ ok: true, accountId, role });
    others.push(who);
  }
  return { accountId, owner, others };
}

const balance = async (accountId: string) =>
  (await app.db.select({ b: billingAccounts.balanceMicroUsd }).from(billingAccounts).where(eq(billingAccounts.id, accountId)))[0].b;

describe("organizations", () => {
  it("a verified user creates an organization: owner, Default project, $0.00 and no ledger entry", async () => {
    const u = await makeAccount(app.db, email("creator"));
    const { accountId, projectId } = await createOrganization(app.db, { userId: u.userId, name: "  Team   One " });
    const [org] = await app.db.select().from(billingAccounts).where(eq(billingAccounts.id, accountId));
    expect(org).toMatchObject({ name: "Team One", personal: false, ownerUserId: u.userId, balanceMicroUsd: 0n, promoMicroUsd: 0n });
    expect(await app.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId))).toEqual([]);
    expect(await app.db.select({ id: projects.id, name: projects.name }).from(projects).where(eq(projects.accountId, accountId))).toEqual([
      { id: projectId, name: "Default" },
    ]);
    expect(await listMemberships(app.db, u.userId)).toEqual([
      { accountId: u.accountId, name: expect.any(String), personal: true, role: "owner" },
      { accountId, name: "Team One", personal: false, role: "owner" },
    ]);
    // The personal organization still has its $10.00; the new one got nothing.
    expect(await balance(u.accountId)).toBe(10_000_000n);
    expect(await renameOrganization(app.db, { accountId, name: "Team Two" })).toBe("Team Two");
    await expect(renameOrganization(app.db, { accountId, name: " " })).rejects.toThrow(OrgError);
  });

  it("an unverified user cannot create an organization", async () => {
    const { userId } = await createUserWithAccount(app.db, { email: email("unverified"), passwordHash: "scrypt$unusable" });
    await expect(createOrganization(app.db, { userId, name: "Nope" })).rejects.toThrow(/Verify your email/);
    expect(await listMemberships(app.db, userId)).toHaveLength(1);
  });
});

describe("invitations", () => {
  it("mails a single-use link whose token is stored only as its hash; the mail tells nothing else of the organization", async () => {
    const { accountId, owner } = await orgWith();
    const to = email("invitee");
    const { id, token } = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: to.toUpperCase(), role: "billing", origin: ORIGIN });
    const [row] = await app.db.select().from(organizationInvites).where(eq(organizationInvites.id, id));
    expect(row.email).toBe(to);
    expect(row.tokenHash).toBe(hashInviteToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(INVITE_TTL_MS);
    const sent = mail.to(to).at(-1)!;
    expect(sent.subject).toMatch(/Acme/);
    expect(sent.text).toContain(`${ORIGIN}/invite/${token}`);
    expect(sent.text).toMatch(/as Billing/);
    expect(sent.text).not.toMatch(/\$|balance|@example\.test.*@example\.test/i);
    expect(await listPendingInvites(app.db, accountId)).toMatchObject([{ id, email: to, role: "billing" }]);
  });

  it("stands when the mail server refuses, and is sent again by a resend", async () => {
    const { accountId, owner } = await orgWith();
    const to = email("mailfail");
    const { setEmailTransport } = await import("@/tests/helpers/mail");
    setEmailTransport(async () => {
      throw new Error("smtp down");
    });
    let first;
    try {
      first = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: to, role: "member", origin: ORIGIN });
    } finally {
      mail = recordEmails();
    }
    expect(first.sent).toBe(false);
    expect(await listPendingInvites(app.db, accountId)).toMatchObject([{ email: to }]);
    const again = await resendInvite(app.db, { accountId, inviteId: first.id, origin: ORIGIN });
    expect(again.sent).toBe(true);
    expect(mail.to(to).at(-1)!.text).toContain(`/invite/${again.token}`);
  });

  it("expires after 7 days", async () => {
    const { accountId, owner } = await orgWith();
    const who = await makeAccount(app.db, email("late"));
    const t0 = new Date();
    const { token } = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: who.email, role: "member", origin: ORIGIN, now: t0 });
    expect(await previewInvite(app.db, token, new Date(t0.getTime() + INVITE_TTL_MS - 1000))).not.toBeNull();
    const late = new Date(t0.getTime() + INVITE_TTL_MS + 1000);
    expect(await previewInvite(app.db, token, late)).toBeNull();
    expect(await acceptInvite(app.db, { token, userId: who.userId, now: late })).toMatchObject({ ok: false, reason: "invalid" });
    expect(await listMemberships(app.db, who.userId)).toHaveLength(1);
  });

  it("works once, even when 10 accepts race", async () => {
    const { accountId, owner } = await orgWith();
    const who = await makeAccount(app.db, email("racer"));
    const { token } = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: who.email, role: "admin", origin: ORIGIN });
    const results = await Promise.all(Array.from({ length: 10 }, () => acceptInvite(app.db, { token, userId: who.userId })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "invalid")).toHaveLength(9);
    expect((await listMembers(app.db, accountId)).map((m) => m.role).sort()).toEqual(["admin", "owner"]);
    expect(await acceptInvite(app.db, { token, userId: who.userId })).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("refuses another address, and an unknown token looks like a used one", async () => {
    const { accountId, owner } = await orgWith();
    const invited = email("invited");
    const stranger = await makeAccount(app.db, email("stranger"));
    const { token } = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: invited, role: "member", origin: ORIGIN });
    const wrong = await acceptInvite(app.db, { token, userId: stranger.userId });
    expect(wrong).toMatchObject({ ok: false, reason: "wrong_address", invitedEmail: invited });
    expect(await listMemberships(app.db, stranger.userId)).toHaveLength(1);
    expect(await previewInvite(app.db, token)).not.toBeNull(); // still usable by the right person
    expect(await acceptInvite(app.db, { token: "x".repeat(32), userId: stranger.userId })).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("needs the invited address to be verified", async () => {
    const { accountId, owner } = await orgWith();
    const addr = email("unverified");
    const { userId } = await createUserWithAccount(app.db, { email: addr, passwordHash: "scrypt$unusable" });
    const { token } = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: addr, role: "member", origin: ORIGIN });
    expect(await acceptInvite(app.db, { token, userId })).toMatchObject({ ok: false, message: /Verify your email/ });
  });

  it("a revoked invitation, or the link a resend replaced, no longer works", async () => {
    const { accountId, owner } = await orgWith();
    const who = await makeAccount(app.db, email("revoked"));
    const first = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: who.email, role: "member", origin: ORIGIN });
    const { token: second } = await resendInvite(app.db, { accountId, inviteId: first.id, origin: ORIGIN });
    expect(mail.to(who.email)).toHaveLength(2);
    expect(await acceptInvite(app.db, { token: first.token, userId: who.userId })).toMatchObject({ ok: false, reason: "invalid" });
    // Another organization cannot revoke it.
    expect(await revokeInvite(app.db, { accountId: owner.accountId, inviteId: first.id })).toBe(false);
    expect(await revokeInvite(app.db, { accountId, inviteId: first.id })).toBe(true);
    expect(await acceptInvite(app.db, { token: second, userId: who.userId })).toMatchObject({ ok: false, reason: "invalid" });
    expect(await listPendingInvites(app.db, accountId)).toEqual([]);
  });

  it("members and billing cannot invite; admins cannot invite owners; members are not invited twice", async () => {
    const { accountId, owner, others } = await orgWith("admin", "billing", "member");
    const [admin, billing, member] = others;
    for (const who of [billing, member]) {
      await expect(createInvite(app.db, { accountId, invitedByUserId: who.userId, email: email("x"), role: "member", origin: ORIGIN })).rejects.toThrow(
        /does not allow/,
      );
    }
    await expect(createInvite(app.db, { accountId, invitedByUserId: admin.userId, email: email("x"), role: "owner", origin: ORIGIN })).rejects.toThrow(
      /Only an owner/,
    );
    await createInvite(app.db, { accountId, invitedByUserId: admin.userId, email: email("x"), role: "admin", origin: ORIGIN });
    await expect(createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: member.email, role: "admin", origin: ORIGIN })).rejects.toThrow(
      /already a member/,
    );
    await expect(createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: "not-an-address", role: "member", origin: ORIGIN })).rejects.toThrow(
      OrgError,
    );
  });
});

describe("roles", () => {
  it("the last owner can be neither demoted, removed, nor leave", async () => {
    const { accountId, owner } = await orgWith();
    await expect(changeMemberRole(app.db, { accountId, actorUserId: owner.userId, targetUserId: owner.userId, role: "admin" })).rejects.toThrow(
      /at least one owner/,
    );
    await expect(removeMember(app.db, { accountId, actorUserId: owner.userId, targetUserId: owner.userId })).rejects.toThrow(/at least one owner/);
  });

  it("two owners demoting each other at once leave one owner", async () => {
    const { accountId, owner, others } = await orgWith("owner");
    const [second] = others;
    const results = await Promise.allSettled([
      changeMemberRole(app.db, { accountId, actorUserId: owner.userId, targetUserId: second.userId, role: "member" }),
      changeMemberRole(app.db, { accountId, actorUserId: second.userId, targetUserId: owner.userId, role: "member" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const owners = (await listMembers(app.db, accountId)).filter((m) => m.role === "owner");
    expect(owners).toHaveLength(1);
  });

  it("admins manage non-owners only; billing and members manage nobody", async () => {
    const { accountId, owner, others } = await orgWith("admin", "billing", "member", "owner");
    const [admin, billing, member, owner2] = others;
    await expect(changeMemberRole(app.db, { accountId, actorUserId: admin.userId, targetUserId: owner2.userId, role: "member" })).rejects.toThrow(
      /Only an owner/,
    );
    await expect(changeMemberRole(app.db, { accountId, actorUserId: admin.userId, targetUserId: member.userId, role: "owner" })).rejects.toThrow(
      /Only an owner/,
    );
    await expect(removeMember(app.db, { accountId, actorUserId: admin.userId, targetUserId: owner.userId })).rejects.toThrow(/Only an owner/);
    for (const actor of [billing, member]) {
      await expect(changeMemberRole(app.db, { accountId, actorUserId: actor.userId, targetUserId: admin.userId, role: "member" })).rejects.toThrow(
        /does not allow/,
      );
      await expect(removeMember(app.db, { accountId, actorUserId: actor.userId, targetUserId: admin.userId })).rejects.toThrow(/does not allow/);
    }
    expect(await changeMemberRole(app.db, { accountId, actorUserId: admin.userId, targetUserId: member.userId, role: "billing" })).toBe("billing");
    await removeMember(app.db, { accountId, actorUserId: admin.userId, targetUserId: billing.userId });
    // An owner may make an admin an owner, and remove another owner.
    expect(await changeMemberRole(app.db, { accountId, actorUserId: owner.userId, targetUserId: admin.userId, role: "owner" })).toBe("owner");
    await removeMember(app.db, { accountId, actorUserId: owner.userId, targetUserId: owner2.userId });
    expect((await listMembers(app.db, accountId)).map((m) => [m.userId, m.role])).toEqual([
      [owner.userId, "owner"],
      [admin.userId, "owner"],
      [member.userId, "billing"],
    ]);
    // A member may leave on their own.
    await removeMember(app.db, { accountId, actorUserId: member.userId, targetUserId: member.userId });
    expect(await listMemberships(app.db, member.userId)).toHaveLength(1);
  });

  it("a personal organization keeps its person", async () => {
    const me = await makeAccount(app.db, email("personal"));
    const other = await makeAccount(app.db, email("co-owner"));
    const { token } = await createInvite(app.db, { accountId: me.accountId, invitedByUserId: me.userId, email: other.email, role: "owner", origin: ORIGIN });
    await acceptInvite(app.db, { token, userId: other.userId });
    await expect(removeMember(app.db, { accountId: me.accountId, actorUserId: other.userId, targetUserId: me.userId })).rejects.toThrow(
      /personal organization/,
    );
    await expect(changeMemberRole(app.db, { accountId: me.accountId, actorUserId: other.userId, targetUserId: me.userId, role: "member" })).rejects.toThrow(
      /personal organization/,
    );
    await expect(removeMember(app.db, { accountId: me.accountId, actorUserId: me.userId, targetUserId: me.userId })).rejects.toThrow(/personal organization/);
  });
});

describe("removing a member", () => {
  it("revokes the keys they created there at once: the key spent the organization's credit, then gets 401", async () => {
    const owner = await makeAccount(app.db, email("payer"));
    const memberUser = await makeAccount(app.db, email("spender"));
    const { token } = await createInvite(app.db, {
      accountId: owner.accountId,
      invitedByUserId: owner.userId,
      email: memberUser.email,
      role: "member",
      origin: ORIGIN,
    });
    await acceptInvite(app.db, { token, userId: memberUser.userId });
    const key = await createApiKey(app.db, { accountId: owner.accountId, userId: memberUser.userId, name: "member key" });
    const ownKey = await createApiKey(app.db, { accountId: owner.accountId, userId: owner.userId, name: "owner key" });
    const personalKey = await createApiKey(app.db, { accountId: memberUser.accountId, userId: memberUser.userId, name: "elsewhere" });
    await app.db.execute(sql`update billing_accounts set tier = 'paid' where id in (${owner.accountId}, ${memberUser.accountId})`);

    const before = await balance(owner.accountId);
    const memberBefore = await balance(memberUser.accountId);
    const chat = (secret: string) =>
      app.call("/v1/chat/completions", {
        method: "POST",
        key: secret,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "hello" }] }),
      });
    const ok = await chat(key.secret);
    expect(ok.status).toBe(200);
    expect(await balance(owner.accountId)).toBe(before - BigInt(ok.body.usage.cost_micro_usd));
    expect(await balance(memberUser.accountId)).toBe(memberBefore);
    const credits = await app.call("/v1/credits", { key: key.secret });
    expect(BigInt(credits.body.balance_micro_usd)).toBe(await balance(owner.accountId));

    const revoked = await removeMember(app.db, { accountId: owner.accountId, actorUserId: owner.userId, targetUserId: memberUser.userId });
    expect(revoked).toEqual([key.id]);
    const refused = await chat(key.secret);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("invalid_api_key");
    // The organization's other keys and the removed member's keys elsewhere keep working.
    expect((await chat(ownKey.secret)).status).toBe(200);
    expect((await chat(personalKey.secret)).status).toBe(200);
    expect(await listMemberships(app.db, memberUser.userId)).toEqual([expect.objectContaining({ accountId: memberUser.accountId, personal: true })]);
    const [row] = await app.db
      .select({ revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, key.id)));
    expect(row.revokedAt).not.toBeNull();
    expect(
      await app.db
        .select()
        .from(organizationMembers)
        .where(and(eq(organizationMembers.accountId, owner.accountId), eq(organizationMembers.userId, memberUser.userId))),
    ).toEqual([]);
  });
});

describe("management keys follow their creator's standing", () => {
  const revokedAt = async (keyId: string) =>
    (await app.db.select({ r: managementKeys.revokedAt }).from(managementKeys).where(eq(managementKeys.id, keyId)))[0].r;

  it("demoting to billing or member revokes their management keys for good; other roles' and other members' keys stay", async () => {
    const { accountId, owner, others } = await orgWith("admin", "admin", "admin");
    const [toMember, toBilling, toOwner] = others;
    const keys = new Map<string, { id: string; secret: string }>();
    for (const who of [owner, ...others]) keys.set(who.userId, await createManagementKey(app.db, { accountId, userId: who.userId, name: "automation" }));

    await changeMemberRole(app.db, { accountId, actorUserId: owner.userId, targetUserId: toMember.userId, role: "member" });
    await changeMemberRole(app.db, { accountId, actorUserId: owner.userId, targetUserId: toBilling.userId, role: "billing" });
    await changeMemberRole(app.db, { accountId, actorUserId: owner.userId, targetUserId: toOwner.userId, role: "owner" });
    expect(await revokedAt(keys.get(toMember.userId)!.id)).not.toBeNull();
    expect(await revokedAt(keys.get(toBilling.userId)!.id)).not.toBeNull();
    expect(await revokedAt(keys.get(toOwner.userId)!.id)).toBeNull();
    expect(await revokedAt(keys.get(owner.userId)!.id)).toBeNull();

    // Made an admin again, they do not get the old key back: it was revoked, not suspended.
    await changeMemberRole(app.db, { accountId, actorUserId: owner.userId, targetUserId: toMember.userId, role: "admin" });
    expect(await findActiveManagementKey(app.db, keys.get(toMember.userId)!.secret)).toBeNull();
    expect(await findActiveManagementKey(app.db, keys.get(toOwner.userId)!.secret)).toMatchObject({ accountId });
  });

  it("removing or leaving revokes the management keys they created there, not their keys elsewhere", async () => {
    const { accountId, owner, others } = await orgWith("admin", "owner");
    const [admin, owner2] = others;
    const removed = await createManagementKey(app.db, { accountId, userId: admin.userId, name: "ci" });
    const left = await createManagementKey(app.db, { accountId, userId: owner2.userId, name: "ci" });
    const elsewhere = await createManagementKey(app.db, { accountId: admin.accountId, userId: admin.userId, name: "personal ci" });
    const ownersKey = await createManagementKey(app.db, { accountId, userId: owner.userId, name: "ci" });

    await removeMember(app.db, { accountId, actorUserId: owner.userId, targetUserId: admin.userId });
    await removeMember(app.db, { accountId, actorUserId: owner2.userId, targetUserId: owner2.userId });
    expect(await revokedAt(removed.id)).not.toBeNull();
    expect(await revokedAt(left.id)).not.toBeNull();
    expect(await revokedAt(elsewhere.id)).toBeNull();
    expect(await revokedAt(ownersKey.id)).toBeNull();
    // Invited back as an admin, the removed member's old key still does not work.
    const { token } = await createInvite(app.db, { accountId, invitedByUserId: owner.userId, email: admin.email, role: "admin", origin: ORIGIN });
    await acceptInvite(app.db, { token, userId: admin.userId });
    expect(await findActiveManagementKey(app.db, removed.secret)).toBeNull();
  });

  it("a refused removal revokes nothing", async () => {
    const { accountId, owner } = await orgWith();
    const key = await createManagementKey(app.db, { accountId, userId: owner.userId, name: "ci" });
    await expect(removeMember(app.db, { accountId, actorUserId: owner.userId, targetUserId: owner.userId })).rejects.toThrow(/at least one owner/);
    await expect(changeMemberRole(app.db, { accountId, actorUserId: owner.userId, targetUserId: owner.userId, role: "member" })).rejects.toThrow(
      /at least one owner/,
    );
    expect(await revokedAt(key.id)).toBeNull();
  });
});
