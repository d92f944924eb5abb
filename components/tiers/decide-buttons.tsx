"use client";

import { useActionState } from "react";
import type { DecideState } from "@/app/admin/actions";

export function DecideButtons({ requestId, action }: { requestId: string; action: (prev: DecideState, form: FormData) => Promise<DecideState> }) {
  const [state, formAction, pending] = useActionState(action, undefined);
  return (
    <form action={formAction} style={{ display: "flex", gap: 8, alignItems: "center", flexWrap: "wrap" }}>
      <input type="hidden" name="requestId" value={requestId} />
      <button type="submit" name="decision" value="approve" disabled={pending} data-testid="approve-request">
        Approve
      </button>
      <button
        type="submit"
        name="decision"
        value="decline"
        className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
        disabled={pending}
        data-testid="decline-request"
      >
        Decline
      </button>
      {state && (
        <span className={state.ok ? "text-success" : "text-destructive"} role="status" data-testid="decide-result">
          {state.ok ? state.message : state.error}
        </span>
      )}
    </form>
  );
}
