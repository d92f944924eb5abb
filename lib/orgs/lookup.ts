import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingAccounts, users, type Tier } from "@/db/schema";
import { normalizeEmail } from "@/lib/accounts";
import { listMemberships } from "./index";
import { listMembers, type Member } from "./members";

// The operator's lookup (admin page): an organization by its id, or every organization a
// user (found by email) belongs to, each with its members, tier and balance.

export type OrgDetails = {
  accountId: string;
  name: string;
  personal: boolean;
  tier: Tier;
  balanceMicroUsd: bigint;
  owedMicroUsd: bigint;
  members: Member[];
};

export async function findOrganizations(db: Queryable, query: string): Promise<OrgDetails[]> {
  const q = query.trim();
  if (!q) return [];
  let ids: string[];
  if (q.startsWith("acct_")) {
    ids = [q];
  } else {
    const [user] = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.email, normalizeEmail(q)), isNull(users.deletedAt)));
    ids = user ? (await listMemberships(db, user.id)).map((m) => m.accountId) : [];
  }
  if (ids.length === 0) return [];
  const orgs = await db
    .select({
      accountId: billingAccounts.id,
      name: billingAccounts.name,
      personal: billingAccounts.personal,
      tier: billingAccounts.tier,
      balanceMicroUsd: billingAccounts.balanceMicroUsd,
      owedMicroUsd: billingAccounts.owedMicroUsd,
    })
    .from(billingAccounts)
    .where(inArray(billingAccounts.id, ids));
  const order = new Map(ids.map((id, i) => [id, i]));
  orgs.sort((a, b) => order.get(a.accountId)! - order.get(b.accountId)!);
  return Promise.all(orgs.map(async (o) => ({ ...o, members: await listMembers(db, o.accountId) })));
}
