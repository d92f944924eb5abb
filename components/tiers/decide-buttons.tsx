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
      <button type="submit" name="decision" value="decline" className="secondary" disabled={pending} data-testid="decline-request">
        Decline
      </button>
      {state && (
        <span className={state.ok ? "ok" : "error"} role="status" data-testid="decide-result">
          {state.ok ? state.message : state.error}
        </span>
      )}
    </form>
  );
}
