"use client";

import { useActionState } from "react";
import type { BudgetAlertState } from "@/app/dashboard/billing/actions";

export type BudgetAlertRow = { id: string; threshold: string; alertedThisMonth: boolean };

/** The billing page's budget alerts: monthly thresholds, each emailed once a month when crossed. */
export function BudgetAlerts(props: {
  alerts: BudgetAlertRow[];
  spentThisMonth: string;
  addAction: (p: BudgetAlertState, f: FormData) => Promise<BudgetAlertState>;
  removeAction: (f: FormData) => Promise<void>;
}) {
  const [state, add, pending] = useActionState(props.addAction, undefined);
  return (
    <div className="panel" data-testid="budget-alerts">
      <p className="muted" style={{ marginTop: 0 }}>
        Spent this month (UTC): <strong data-testid="budget-month-spend">{props.spentThisMonth}</strong>. Get an email and a dashboard banner when your spend in
        a calendar month reaches an amount; each alert fires once a month.
      </p>
      {props.alerts.length > 0 && (
        <ul data-testid="budget-alert-list">
          {props.alerts.map((a) => (
            <li key={a.id} data-testid="budget-alert" className="inline-form">
              <span>{a.threshold} per month</span>
              {a.alertedThisMonth && (
                <span className="badge" data-testid="budget-alert-crossed">
                  reached this month
                </span>
              )}
              <form action={props.removeAction}>
                <input type="hidden" name="alertId" value={a.id} />
                <button type="submit" className="secondary" data-testid="budget-alert-remove" aria-label={`Remove the ${a.threshold} alert`}>
                  Remove
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form action={add} className="inline-form">
        <label htmlFor="budget-threshold">Alert at (USD per month)</label>
        <input id="budget-threshold" name="threshold" inputMode="decimal" placeholder="e.g. 25" data-testid="budget-threshold" />
        <button type="submit" disabled={pending} data-testid="budget-add">
          Add alert
        </button>
      </form>
      {state &&
        (state.ok ? (
          <p className="ok" role="status" data-testid="budget-status">
            {state.message}
          </p>
        ) : (
          <p className="error" role="alert" data-testid="budget-status">
            {state.error}
          </p>
        ))}
    </div>
  );
}
