import "server-only";
import { and, desc, eq, isNull, or, sql } from "drizzle-orm";
import { cookies } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { billingAccounts, organizationMembers, users } from "@/db/schema";
import { can, type OrgRole, type Permission } from "@/lib/orgs/roles";
import { isAdministrator } from "./admin";
export { VERIFY_FIRST_MESSAGE } from "./verify-first";
import { auth } from "./index";

/** The cookie that says which organization the dashboard shows (set by the header's switcher). */
export const ORG_COOKIE = "metered_org";

async function load() {
  // auth() has already refused revoked sessions (the jwt callback in ./index.ts).
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  const db = await getDb();
  const wanted = (await cookies()).get(ORG_COOKIE)?.value ?? "";
  // The organization the cookie names, if the user is (still) a member of it; else their
  // personal organization. Membership is read from the database on every request, so a
  // removed member loses access at once, whatever their cookie says.
  const [row] = await db
    .select({
      account: billingAccounts,
      role: organizationMembers.role,
      email: users.email,
      emailVerifiedAt: users.emailVerifiedAt,
      freeCredit: users.freeCredit,
      adminStatus: users.adminStatus,
    })
    .from(organizationMembers)
    .innerJoin(billingAccounts, eq(billingAccounts.id, organizationMembers.accountId))
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(
      and(
        eq(organizationMembers.userId, userId),
        isNull(users.deletedAt),
        or(eq(billingAccounts.id, wanted), and(eq(billingAccounts.personal, true), eq(billingAccounts.ownerUserId, userId))),
      ),
    )
    .orderBy(desc(sql`${billingAccounts.id} = ${wanted}`))
    .limit(1);
  if (!row) return null;
  const { account, role, email, emailVerifiedAt, freeCredit, adminStatus } = row;
  // Only a verified address can be an administrator's (./admin.ts).
  return {
    db,
    userId,
    email,
    account,
    role: role as OrgRole,
    can: (permission: Permission) => can(role, permission),
    emailVerifiedAt,
    freeCredit,
    isAdmin: isAdministrator({ email, emailVerifiedAt, adminStatus }),
  };
}

export type CurrentAccount = NonNullable<Awaited<ReturnType<typeof load>>>;

/**
 * The signed-in user, the organization they are working in (its billing account) and their
 * role there, or a redirect to /login. Every dashboard page and server action starts here,
 * and every query below it is scoped to this account.
 */
export async function requireAccount() {
  const current = await load();
  if (!current) redirect("/login");
  return current;
}

/** requireAccount, then the styled 403 page unless the user's role has `permission`. */
export async function requirePermission(permission: Permission) {
  const current = await requireAccount();
  if (!current.can(permission)) forbidden();
  return current;
}

/** Like requireAccount, for server actions and route handlers: returns null instead of redirecting. */
export async function currentAccount() {
  return load();
}
