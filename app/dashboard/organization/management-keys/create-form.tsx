"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import type { CreateManagementKeyState } from "./actions";

/** Create a management key; its secret is shown here once (only its hash is stored). */
export function CreateManagementKeyForm({ action }: { action: (prev: CreateManagementKeyState, form: FormData) => Promise<CreateManagementKeyState> }) {
  const [state, formAction, pending] = useActionState(action, undefined);
  return (
    <Card>
      <form action={formAction} className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-[1_1_200px]">
          <label htmlFor="mkey-name">New management key name</label>
          <input id="mkey-name" name="name" placeholder="e.g. provisioning service" maxLength={64} data-testid="mkey-name" />
        </div>
        <Button type="submit" disabled={pending} data-testid="create-mkey">
          {pending ? "Creating…" : "Create management key"}
        </Button>
      </form>
      {state && !state.ok && (
        <p className="text-destructive" role="alert" data-testid="mkey-error">
          {state.error}
        </p>
      )}
      {state?.ok && (
        <div data-testid="new-mkey" className="mt-3">
          <p className="text-success">
            Management key “{state.name}” created. Copy it now: this is the only time it is shown. We store only a hash and cannot show it again.
          </p>
          <div className="flex flex-wrap items-center gap-2">
            <input
              readOnly
              aria-label="Your new management key"
              value={state.secret}
              data-testid="new-mkey-secret"
              className="min-w-0 flex-[1_1_240px] font-mono text-[13px]"
              onFocus={(e) => e.currentTarget.select()}
            />
            <CopyButton text={state.secret} label="Copy key" testId="copy-mkey" />
          </div>
        </div>
      )}
    </Card>
  );
}
