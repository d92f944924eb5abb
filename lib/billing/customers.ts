import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { billingAccounts, stripeCustomers, users } from "@/db/schema";
import { AccountNotFoundError } from "@/lib/ledger";

/** The account's Stripe customer id, or null if it has never needed one. */
export async function findCustomerId(db: Queryable, accountId: string): Promise<string | null> {
  const [row] = await db.select({ id: stripeCustomers.customerId }).from(stripeCustomers).where(eq(stripeCustomers.accountId, accountId));
  return row?.id ?? null;
}

/** The billing account a Stripe customer belongs to (the authority for crediting). */
export async function findAccountIdByCustomer(db: Queryable, customerId: string): Promise<string | null> {
  const [row] = await db.select({ id: stripeCustomers.accountId }).from(stripeCustomers).where(eq(stripeCustomers.customerId, customerId));
  return row?.id ?? null;
}

/**
 * One Stripe customer per billing account. Concurrent first calls (two tabs, a retry) send
 * the same idempotency key, so Stripe creates one customer and answers both with it; the
 * row insert is conflict-tolerant for the same reason.
 */
export async function ensureCustomer(db: Queryable, stripe: Stripe, accountId: string): Promise<string> {
  const existing = await findCustomerId(db, accountId);
  if (existing) return existing;
  const [owner] = await db
    .select({ email: users.email, name: users.name })
    .from(billingAccounts)
    .innerJoin(users, eq(users.id, billingAccounts.ownerUserId))
    .where(eq(billingAccounts.id, accountId));
  if (!owner) throw new AccountNotFoundError(accountId);
  const customer = await stripe.customers.create(
    { email: owner.email, name: owner.name ?? undefined, metadata: { account_id: accountId } },
    { idempotencyKey: `customer:${accountId}` },
  );
  await db.insert(stripeCustomers).values({ accountId, customerId: customer.id }).onConflictDoNothing();
  return (await findCustomerId(db, accountId))!;
}
