import type { Queryable } from "@/db/client";
import { maybeAutoTopUp } from "./auto-topup";
import { onShutdown, processSingleton } from "@/lib/process";
import { checkBudgetAlerts } from "./budget-alerts";
import { paymentsEnabled } from "./config";
import { getStripe } from "./stripe";

/**
 * The auto top-up check run after a settle that left the account under its threshold
 * (registered as metering's after-settle hook by ./start.ts). It re-reads everything under
 * its own claim and never rejects: a failure is logged and the next settle tries again.
 */
export async function autoTopUpAfterSettle(db: Queryable, accountId: string): Promise<void> {
  if (!paymentsEnabled()) return; // nothing to charge with (lib/billing/config.ts)
  try {
    await maybeAutoTopUp(db, getStripe(), accountId);
  } catch (err) {
    console.error("[billing] auto top-up check failed:", err);
  }
}

// Per account: until when it is known to have no alert left to fire this month (its
// alerts were all fired, or it has none), and the last check. Short-lived and per
// instance: at worst an alert set on another instance is seen NO_ALERTS_TTL_MS later.
const NO_ALERTS_TTL_MS = 30_000;
const MIN_CHECK_INTERVAL_MS = 2_000;
type AlertCheckState = { noneUntil: number; lastCheck: number; timer: ReturnType<typeof setTimeout> | null; db: Queryable };
const alertChecks = () =>
  processSingleton("billing.budget-alert-checks", () => {
    onShutdown("billing.budget-alert-checks", flushBudgetAlertChecks);
    return new Map<string, AlertCheckState>();
  });

/** Forget what is cached about an account's alerts (after the user adds or removes one). */
export function budgetAlertsChanged(accountId: string): void {
  alertChecks().delete(accountId);
}

/**
 * Budget alerts crossed by the spend just settled (lib/billing/budget-alerts.ts), run after
 * every charged settle (registered by ./start.ts). Never
 * rejects. Accounts without a pending alert cost nothing (cached); others are checked at
 * most every MIN_CHECK_INTERVAL_MS, with a trailing check so the settle that crosses a
 * threshold is never missed.
 */
export async function budgetAlertsAfterSettle(db: Queryable, accountId: string): Promise<void> {
  const checks = alertChecks();
  const now = Date.now();
  const s = checks.get(accountId) ?? { noneUntil: 0, lastCheck: 0, timer: null, db };
  checks.set(accountId, s);
  s.db = db;
  if (s.noneUntil > now || s.timer) return;
  const wait = s.lastCheck + MIN_CHECK_INTERVAL_MS - now;
  if (wait > 0) {
    s.timer = setTimeout(() => {
      s.timer = null;
      void budgetAlertsAfterSettle(db, accountId);
    }, wait);
    s.timer.unref?.();
    return;
  }
  s.lastCheck = now;
  try {
    const { pending } = await checkBudgetAlerts(db, accountId);
    if (pending === 0) s.noneUntil = Date.now() + NO_ALERTS_TTL_MS;
  } catch (err) {
    console.error("[billing] budget alert check failed:", err);
  }
  if (checks.size > 100_000) checks.clear(); // bounded: a cache, not a record
}

/** Runs the trailing checks still waiting for their interval now (tests, shutdown). */
export async function flushBudgetAlertChecks(): Promise<void> {
  const waiting = [...alertChecks().entries()].filter(([, s]) => s.timer);
  await Promise.all(
    waiting.map(([accountId, s]) => {
      clearTimeout(s.timer!);
      s.timer = null;
      s.lastCheck = 0;
      return budgetAlertsAfterSettle(s.db, accountId);
    }),
  );
}
