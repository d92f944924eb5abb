import { and, asc, eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { budgetAlerts } from "@/db/schema";
import { sendEmail, type SendEmail } from "@/lib/email";
import { newId } from "@/lib/ids";
import { formatMoney } from "@/lib/money";

// Budget alerts: monthly spend thresholds (USD) an account sets. After a charged request
// settles, checkBudgetAlerts() (called from the after-settle hook) sees whether this UTC
// month's spend has crossed one; each crossed threshold is claimed with a conditional
// UPDATE on its alerted_period, so whatever the concurrency or the number of instances,
// it sends exactly one email per month, and the dashboard shows a banner for it.

export const MAX_BUDGET_ALERTS = 5;

/** "2026-11": the UTC calendar month an alert fires in at most once. */
export const budgetPeriod = (now: Date) => now.toISOString().slice(0, 7);

export type BudgetAlertView = { id: string; thresholdMicroUsd: bigint; alertedPeriod: string | null; alertedAt: Date | null };

export function listBudgetAlerts(db: Queryable, accountId: string): Promise<BudgetAlertView[]> {
  return db
    .select({
      id: budgetAlerts.id,
      thresholdMicroUsd: budgetAlerts.thresholdMicroUsd,
      alertedPeriod: budgetAlerts.alertedPeriod,
      alertedAt: budgetAlerts.alertedAt,
    })
    .from(budgetAlerts)
    .where(eq(budgetAlerts.accountId, accountId))
    .orderBy(asc(budgetAlerts.thresholdMicroUsd));
}

export class BudgetAlertError extends Error {}

/**
 * Adds a threshold. One already crossed this month is marked as alerted for this month
 * (the user is looking at the figure as they set it): it fires from next month on.
 */
export async function addBudgetAlert(db: Queryable, input: { accountId: string; thresholdMicroUsd: bigint; now?: Date }): Promise<void> {
  if (input.thresholdMicroUsd <= 0n) throw new BudgetAlertError("Set a threshold above $0.");
  const existing = await listBudgetAlerts(db, input.accountId);
  if (existing.length >= MAX_BUDGET_ALERTS) throw new BudgetAlertError(`At most ${MAX_BUDGET_ALERTS} alerts; remove one first.`);
  if (existing.some((a) => a.thresholdMicroUsd === input.thresholdMicroUsd))
    throw new BudgetAlertError(`There is already an alert at ${formatMoney(input.thresholdMicroUsd)}.`);
  const now = input.now ?? new Date();
  const spent = await monthSpendMicroUsd(db, input.accountId, now);
  await db
    .insert(budgetAlerts)
    .values({
      id: newId("alert"),
      accountId: input.accountId,
      thresholdMicroUsd: input.thresholdMicroUsd,
      alertedPeriod: spent >= input.thresholdMicroUsd ? budgetPeriod(now) : null,
    })
    .onConflictDoNothing();
}

export async function removeBudgetAlert(db: Queryable, input: { accountId: string; id: string }): Promise<boolean> {
  const gone = await db
    .delete(budgetAlerts)
    .where(and(eq(budgetAlerts.id, input.id), eq(budgetAlerts.accountId, input.accountId)))
    .returning({ id: budgetAlerts.id });
  return gone.length > 0;
}

/** Settled spend in the UTC calendar month containing `now` (usage events; refusals cost nothing). */
export async function monthSpendMicroUsd(db: Queryable, accountId: string, now = new Date()): Promise<bigint> {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const [r] = await rows<{ spent: string }>(
    db,
    sql`select coalesce(sum(cost_micro_usd), 0)::text as spent from usage_events
         where account_id = ${accountId} and created_at >= ${start.toISOString()}::timestamptz and created_at < ${end.toISOString()}::timestamptz`,
  );
  return BigInt(r?.spent ?? 0);
}

/**
 * After a settle: alerts whose threshold this month's spend has reached, each claimed once
 * per month and emailed to the account's owner. Cheap when nothing is due: one indexed
 * read of the account's not-yet-alerted thresholds (usually none). Returns the thresholds
 * it alerted and how many are still waiting to be crossed this month.
 */
export async function checkBudgetAlerts(
  db: Queryable,
  accountId: string,
  opts: { now?: Date; send?: SendEmail } = {},
): Promise<{ alerted: bigint[]; pending: number }> {
  const now = opts.now ?? new Date();
  const period = budgetPeriod(now);
  const due = await rows<{ id: string; threshold: string }>(
    db,
    sql`select id, threshold_micro_usd::text as threshold from budget_alerts
         where account_id = ${accountId} and alerted_period is distinct from ${period}`,
  );
  if (!due.length) return { alerted: [], pending: 0 };
  const spent = await monthSpendMicroUsd(db, accountId, now);
  const crossed = due.filter((a) => BigInt(a.threshold) <= spent);
  const alerted: bigint[] = [];
  for (const a of crossed) {
    const claimed = await rows<{ id: string }>(
      db,
      sql`update budget_alerts set alerted_period = ${period}, alerted_at = ${now.toISOString()}::timestamptz
           where id = ${a.id} and alerted_period is distinct from ${period} returning id`,
    );
    if (claimed.length) alerted.push(BigInt(a.threshold));
  }
  const pending = due.length - crossed.length;
  if (!alerted.length) return { alerted, pending };
  const [owner] = await rows<{ email: string }>(
    db,
    sql`select u.email from billing_accounts a join users u on u.id = a.owner_user_id where a.id = ${accountId}`,
  );
  if (owner) {
    const top = alerted.reduce((m, t) => (t > m ? t : m));
    const text = [
      `Your Metered spend this month (UTC) has reached ${formatMoney(spent)}, past your budget alert of ${formatMoney(top)}.`,
      "",
      "Requests keep working while you have credit. To cap spend, set a spend limit on a key (Dashboard → API keys);",
      "to change your alerts, go to Dashboard → Billing.",
    ].join("\n");
    await (opts.send ?? sendEmail)({ to: owner.email, subject: `Budget alert: ${formatMoney(spent)} spent this month`, text });
  }
  return { alerted, pending };
}

/** For the dashboard banner: this month's crossed thresholds (highest first) and the month's spend. */
export async function crossedBudgetAlerts(db: Queryable, accountId: string, now = new Date()): Promise<{ thresholds: bigint[]; spentMicroUsd: bigint } | null> {
  const period = budgetPeriod(now);
  const crossed = (await listBudgetAlerts(db, accountId)).filter((a) => a.alertedPeriod === period).map((a) => a.thresholdMicroUsd);
  if (!crossed.length) return null;
  return { thresholds: crossed.reverse(), spentMicroUsd: await monthSpendMicroUsd(db, accountId, now) };
}
