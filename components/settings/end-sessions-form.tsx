"use client";

import { useActionState } from "react";
import type { DecideState } from "@/app/admin/actions";

export function EndSessionsForm({ action }: { action: (prev: DecideState, form: FormData) => Promise<DecideState> }) {
  const [state, formAction, pending] = useActionState(action, undefined);
  return (
    <form action={formAction} data-testid="end-sessions-form">
      <label htmlFor="end-sessions-email">User email</label>
      <input id="end-sessions-email" name="email" type="email" required data-testid="end-sessions-email" />
      <button
        type="submit"
        className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
        disabled={pending}
        data-testid="end-sessions"
      >
        End all sessions
      </button>
      {state && (
        <p role="status" className={state.ok ? "muted" : "error"} data-testid="end-sessions-result">
          {state.ok ? state.message : state.error}
        </p>
      )}
    </form>
  );
}
