import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { addBudgetAlert, checkBudgetAlerts, crossedBudgetAlerts, listBudgetAlerts, monthSpendMicroUsd, removeBudgetAlert } from "@/lib/billing/budget-alerts";
import { flushBudgetAlertChecks } from "@/lib/billing/after-settle";
import type { EmailMessage } from "@/lib/email";
import { setEmailTransport } from "@/tests/helpers/mail";
import { afterSettleIdle } from "@/lib/metering/meter";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";
import { settledMoneyState } from "@/tests/helpers/money-checks";

// Issue 14 point 7: budget alerts. Real requests through the /v1 routes settle; the
// after-settle hook notices the month's spend crossing a threshold and sends one email;
// the banner query reports it; further requests do not alert again this month; next month
// they do; another account's alert is not touched.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

const app = integrationApp(); // registers billing's after-settle hooks, as the server's start does
const sent: EmailMessage[] = [];

beforeAll(() => {
  setEmailTransport(async (m) => void sent.push(m));
});

async function settledAndChecked() {
  await afterSettleIdle();
  await flushBudgetAlertChecks(); // the throttled trailing check, now rather than in 2 s
}

// local/lorem-chat always writes max_tokens tokens: 4,000 output tokens at $1.50 per 1M ≈ $0.006.
const spend = (secret: string) =>
  sdkClient(secret).chat.completions.create({ model: "local/lorem-chat", messages: [{ role: "user", content: "write" }], max_tokens: 4000 });

describe("budget alerts", () => {
  it("one email and a banner when this month's spend crosses a threshold; once per month", async () => {
    const a = await makeAccountWithKey(app.db);
    const bystander = await makeAccountWithKey(app.db);
    await addBudgetAlert(app.db, { accountId: a.accountId, thresholdMicroUsd: 10_000n }); // $0.01
    await addBudgetAlert(app.db, { accountId: a.accountId, thresholdMicroUsd: 1_000_000n }); // $1, not reached
    await addBudgetAlert(app.db, { accountId: bystander.accountId, thresholdMicroUsd: 10_000n });
    await expect(addBudgetAlert(app.db, { accountId: a.accountId, thresholdMicroUsd: 10_000n })).rejects.toThrow(/already/);

    await spend(a.secret);
    await settledAndChecked();
    expect(await monthSpendMicroUsd(app.db, a.accountId)).toBeLessThan(10_000n);
    expect(sent.filter((m) => m.to === a.email)).toHaveLength(0);
    expect(await crossedBudgetAlerts(app.db, a.accountId)).toBeNull();

    await spend(a.secret);
    await settledAndChecked();
    const spent = await monthSpendMicroUsd(app.db, a.accountId);
    expect(spent).toBeGreaterThanOrEqual(10_000n);
    const mails = sent.filter((m) => m.to === a.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toContain("Budget alert");
    expect(mails[0].text).toContain("$0.01");
    expect(await crossedBudgetAlerts(app.db, a.accountId)).toEqual({ thresholds: [10_000n], spentMicroUsd: spent });

    // More spend this month: no second email. The ledger is untouched by any of it.
    await spend(a.secret);
    await settledAndChecked();
    expect(sent.filter((m) => m.to === a.email)).toHaveLength(1);
    expect((await settledMoneyState(app.db, a.accountId)).auditOk).toBe(true);

    const nextMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 2));
    const mailed: EmailMessage[] = [];
    // Next month starts at $0: nothing is due until it is spent again.
    expect((await checkBudgetAlerts(app.db, a.accountId, { now: nextMonth, send: async (m) => void mailed.push(m) })).alerted).toEqual([]);

    // The bystander's alert never fired, its account never spent.
    expect(sent.filter((m) => m.to === bystander.email)).toHaveLength(0);
    expect((await listBudgetAlerts(app.db, bystander.accountId))[0].alertedPeriod).toBeNull();
  });

  it("a threshold already passed when it is set waits for next month; concurrent checks alert once; removal is scoped", async () => {
    const a = await makeAccountWithKey(app.db);
    await spend(a.secret);
    await spend(a.secret);
    await settledAndChecked();
    await addBudgetAlert(app.db, { accountId: a.accountId, thresholdMicroUsd: 5_000n });
    const [alert] = await listBudgetAlerts(app.db, a.accountId);
    expect(alert.alertedPeriod).toBe(new Date().toISOString().slice(0, 7));
    const before = sent.length;
    await spend(a.secret);
    await settledAndChecked();
    expect(sent.length).toBe(before);

    // A fresh threshold crossed by spend, checked by five "instances" at once: one email.
    await addBudgetAlert(app.db, { accountId: a.accountId, thresholdMicroUsd: 1_000_000n });
    await app.db.execute(sql`update budget_alerts set threshold_micro_usd = 1 where account_id = ${a.accountId} and threshold_micro_usd = 1000000`);
    const mailed: EmailMessage[] = [];
    const results = await Promise.all(Array.from({ length: 5 }, () => checkBudgetAlerts(app.db, a.accountId, { send: async (m) => void mailed.push(m) })));
    expect(results.flatMap((r) => r.alerted)).toEqual([1n]);
    expect(mailed).toHaveLength(1);

    const other = await makeAccountWithKey(app.db);
    expect(await removeBudgetAlert(app.db, { accountId: other.accountId, id: alert.id })).toBe(false);
    expect(await removeBudgetAlert(app.db, { accountId: a.accountId, id: alert.id })).toBe(true);
  });
});
