import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { billingAccounts, users } from "@/db/schema";
import { isAdministrator } from "./admin";
export { VERIFY_FIRST_MESSAGE } from "./verify-first";
import { auth } from "./index";

async function load() {
  // auth() has already refused revoked sessions (the jwt callback in ./index.ts).
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  const db = await getDb();
  // The user as the database has it now (the address may have changed since sign-in).
  const [row] = await db
    .select({
      account: billingAccounts,
      email: users.email,
      emailVerifiedAt: users.emailVerifiedAt,
      freeCredit: users.freeCredit,
      adminStatus: users.adminStatus,
    })
    .from(billingAccounts)
    .innerJoin(users, eq(users.id, billingAccounts.ownerUserId))
    .where(and(eq(billingAccounts.ownerUserId, userId), isNull(users.deletedAt)));
  if (!row) return null;
  const { account, email, emailVerifiedAt, freeCredit, adminStatus } = row;
  // Only a verified address can be an administrator's (./admin.ts).
  return { db, userId, email, account, emailVerifiedAt, freeCredit, isAdmin: isAdministrator({ email, emailVerifiedAt, adminStatus }) };
}

/**
 * The signed-in user and their billing account, or a redirect to /login. Every dashboard
 * page and server action starts here, and every query below it is scoped to this account.
 */
export async function requireAccount() {
  const current = await load();
  if (!current) redirect("/login");
  return current;
}

/** Like requireAccount, for server actions and route handlers: returns null instead of redirecting. */
export async function currentAccount() {
  return load();
}
