"use client";

import { useActionState } from "react";
import type { RequestElevatedState } from "@/lib/tiers/actions";

type Props = {
  action: (prev: RequestElevatedState, form: FormData) => Promise<RequestElevatedState>;
  minChars: number;
  maxChars: number;
  /** Label on the button, e.g. "Request Elevated". */
  label: string;
};

export function RequestElevatedForm({ action, minChars, maxChars, label }: Props) {
  const [state, formAction, pending] = useActionState(action, undefined);
  if (state?.ok) {
    return (
      <p className="text-success" data-testid="tier-request-sent">
        Request sent. An administrator will review it; this card shows the decision.
      </p>
    );
  }
  return (
    <form action={formAction} data-testid="tier-request-form">
      <label htmlFor="tier-reason">What will you build with it?</label>
      <textarea id="tier-reason" name="reason" rows={2} required minLength={minChars} maxLength={maxChars} data-testid="tier-reason" />
      {state && !state.ok && (
        <p className="text-destructive" role="alert" data-testid="tier-request-error">
          {state.error}
        </p>
      )}
      <p>
        <button type="submit" disabled={pending} data-testid="tier-request-submit">
          {pending ? "Sending…" : label}
        </button>
      </p>
    </form>
  );
}
