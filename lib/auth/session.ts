import "server-only";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { accountForUser } from "@/lib/accounts";
import { adminEmails } from "@/lib/env";
import { auth } from "./index";

/**
 * The signed-in user and their billing account, or a redirect to /login. Every dashboard
 * page and server action starts here, and every query below it is scoped to this account.
 */
export async function requireAccount() {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) redirect("/login");
  const db = await getDb();
  const account = await accountForUser(db, userId);
  if (!account) redirect("/login");
  const email = session.user?.email ?? "";
  return { db, userId, email, account, isAdmin: adminEmails().includes(email.toLowerCase()) };
}

/** Like requireAccount, for server actions and route handlers: returns null instead of redirecting. */
export async function currentAccount() {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  const db = await getDb();
  const account = await accountForUser(db, userId);
  if (!account) return null;
  const email = session.user?.email ?? "";
  return { db, userId, email, account, isAdmin: adminEmails().includes(email.toLowerCase()) };
}
