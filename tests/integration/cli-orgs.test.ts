import { describe, expect, it } from "vitest";
import { findActiveKey } from "@/lib/api-keys";
import { runCommand } from "@/lib/cli/commands";
import { readBalance } from "@/lib/ledger";
import { createOrganization } from "@/lib/orgs";
import { acceptInvite, createInvite } from "@/lib/orgs/invites";
import { makeAccount } from "@/tests/helpers/accounts";
import { integrationApp } from "@/tests/helpers/fixture";
import { recordEmails } from "@/tests/helpers/mail";

// The operator CLI speaks of organizations (issue 24, item 5): money commands take --org or
// a user's --email (their personal organization); `show` lists members; `orgs` finds them.

const app = integrationApp();

async function run(command: string, opts: Record<string, string | boolean> = {}) {
  const lines: string[] = [];
  await runCommand(app.db, command, opts, (l) => lines.push(l));
  return lines;
}

describe("operator CLI and organizations", () => {
  it("finds a user's organizations, shows one's members, grants to it and makes keys in it", async () => {
    const mail = recordEmails();
    try {
      const owner = await makeAccount(app.db, "cli-owner@example.test");
      const member = await makeAccount(app.db, "cli-member@example.test");
      const outsider = await makeAccount(app.db, "cli-outsider@example.test");
      const { accountId } = await createOrganization(app.db, { userId: owner.userId, name: "Ops Team" });
      const { token } = await createInvite(app.db, {
        accountId,
        invitedByUserId: owner.userId,
        email: member.email,
        role: "billing",
        origin: "http://app.test",
      });
      await acceptInvite(app.db, { token, userId: member.userId });

      expect(await run("orgs", { email: member.email })).toEqual([
        expect.stringMatching(new RegExp(`^${member.accountId} ".*" \\(personal\\)  owner$`)),
        `${accountId} "Ops Team"  billing`,
      ]);

      expect(await run("grant", { org: accountId, amount: "3", reason: "onboarding", reference: "cli-org-1" })).toEqual([
        "grant of $3.000000 posted (cli-org-1); balance $3.000000",
      ]);
      expect((await readBalance(app.db, accountId)).balanceMicroUsd).toBe(3_000_000n);
      // --email still means the personal organization: its $10.00 is untouched.
      expect((await readBalance(app.db, owner.accountId)).balanceMicroUsd).toBe(10_000_000n);

      expect(await run("set-tier", { org: accountId, tier: "elevated" })).toEqual([`organization ${accountId} "Ops Team" is now on the elevated tier`]);

      const created = await run("create-key", { email: member.email, org: accountId, name: "ci" });
      expect(await findActiveKey(app.db, created[1])).toMatchObject({ accountId, tier: "elevated" });
      await expect(run("create-key", { email: outsider.email, org: accountId, name: "x" })).rejects.toThrow(/not a member/);

      const shown = await run("show", { org: accountId });
      expect(shown[0]).toBe(`organization ${accountId} "Ops Team"  tier elevated`);
      expect(shown.filter((l) => l.startsWith("member "))).toEqual([
        expect.stringMatching(new RegExp(`^member owner +${owner.userId} <cli-owner@example.test>`)),
        expect.stringMatching(new RegExp(`^member billing +${member.userId} <cli-member@example.test>`)),
      ]);
      expect(shown.join("\n")).toContain(`by ${member.userId}  active`);
      expect(shown.join("\n")).toContain("ledger balanced");
      await expect(run("show", { org: "acct_nope" })).rejects.toThrow(/no organization acct_nope/);
      await expect(run("show", {})).rejects.toThrow(/--org ID or --email E/);
    } finally {
      mail.stop();
    }
  });
});

describe("admin page's organization lookup", () => {
  it("finds an organization by id, and every organization of a member by email, with members", async () => {
    const { findOrganizations } = await import("@/lib/orgs/lookup");
    const owner = await makeAccount(app.db, "lookup-owner@example.test");
    const { accountId } = await createOrganization(app.db, { userId: owner.userId, name: "Lookup Inc" });
    const byId = await findOrganizations(app.db, accountId);
    expect(byId).toEqual([
      expect.objectContaining({
        accountId,
        name: "Lookup Inc",
        personal: false,
        tier: "free",
        balanceMicroUsd: 0n,
        members: [expect.objectContaining({ email: owner.email, role: "owner" })],
      }),
    ]);
    const byEmail = await findOrganizations(app.db, " LOOKUP-owner@example.test ");
    expect(byEmail.map((o) => [o.accountId, o.personal])).toEqual([
      [owner.accountId, true],
      [accountId, false],
    ]);
    expect(await findOrganizations(app.db, "nobody@example.test")).toEqual([]);
    expect(await findOrganizations(app.db, "acct_unknown")).toEqual([]);
  });
});
