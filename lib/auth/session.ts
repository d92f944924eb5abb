import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { billingAccounts, users } from "@/db/schema";
import { adminEmails } from "@/lib/env";
import { auth } from "./index";

async function load() {
  // auth() has already refused revoked sessions (the jwt callback in ./index.ts).
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  const db = await getDb();
  // The user as the database has it now (the address may have changed since sign-in).
  const [row] = await db
    .select({ account: billingAccounts, email: users.email, emailVerifiedAt: users.emailVerifiedAt, freeCredit: users.freeCredit })
    .from(billingAccounts)
    .innerJoin(users, eq(users.id, billingAccounts.ownerUserId))
    .where(and(eq(billingAccounts.ownerUserId, userId), isNull(users.deletedAt)));
  if (!row) return null;
  const { account, email, emailVerifiedAt, freeCredit } = row;
  return { db, userId, email, account, emailVerifiedAt, freeCredit, isAdmin: adminEmails().includes(email.toLowerCase()) };
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
