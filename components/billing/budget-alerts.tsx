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
    <div className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="budget-alerts">
      <p className="text-muted-foreground" style={{ marginTop: 0 }}>
        Spent this month (UTC): <strong data-testid="budget-month-spend">{props.spentThisMonth}</strong>. Get an email and a dashboard banner when your spend in
        a calendar month reaches an amount; each alert fires once a month.
      </p>
      {props.alerts.length > 0 && (
        <ul data-testid="budget-alert-list">
          {props.alerts.map((a) => (
            <li
              key={a.id}
              data-testid="budget-alert"
              className="mt-2 flex flex-wrap items-center gap-1.5 [&_label]:m-0 [&_input]:w-auto [&_input]:flex-[1_1_120px] [&_select]:w-auto [&_select]:flex-[1_1_120px]"
            >
              <span>{a.threshold} per month</span>
              {a.alertedThisMonth && (
                <span className="inline-block rounded-full border px-2 py-0.5 text-xs text-muted-foreground" data-testid="budget-alert-crossed">
                  reached this month
                </span>
              )}
              <form action={props.removeAction}>
                <input type="hidden" name="alertId" value={a.id} />
                <button
                  type="submit"
                  className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
                  data-testid="budget-alert-remove"
                  aria-label={`Remove the ${a.threshold} alert`}
                >
                  Remove
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <form
        action={add}
        className="mt-2 flex flex-wrap items-center gap-1.5 [&_label]:m-0 [&_input]:w-auto [&_input]:flex-[1_1_120px] [&_select]:w-auto [&_select]:flex-[1_1_120px]"
      >
        <label htmlFor="budget-threshold">Alert at (USD per month)</label>
        <input id="budget-threshold" name="threshold" inputMode="decimal" placeholder="e.g. 25" data-testid="budget-threshold" />
        <button type="submit" disabled={pending} data-testid="budget-add">
          Add alert
        </button>
      </form>
      {state &&
        (state.ok ? (
          <p className="text-success" role="status" data-testid="budget-status">
            {state.message}
          </p>
        ) : (
          <p className="text-destructive" role="alert" data-testid="budget-status">
            {state.error}
          </p>
        ))}
    </div>
  );
}
