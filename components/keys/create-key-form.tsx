"use client";

import { useActionState, useState } from "react";
import type { CreateKeyState } from "@/app/dashboard/keys/actions";

export function CreateKeyForm({ action }: { action: (prev: CreateKeyState, form: FormData) => Promise<CreateKeyState> }) {
  const [state, formAction, pending] = useActionState(action, undefined);
  const [copied, setCopied] = useState(false);
  return (
    <div className="rounded-lg border bg-card p-4 text-card-foreground">
      <form action={formAction} style={{ display: "flex", gap: 8, alignItems: "end" }}>
        <div style={{ flex: 1 }}>
          <label htmlFor="key-name">New key name</label>
          <input id="key-name" name="name" placeholder="e.g. production backend" maxLength={64} data-testid="key-name" />
        </div>
        <button type="submit" disabled={pending} data-testid="create-key">
          {pending ? "Creating…" : "Create key"}
        </button>
      </form>
      {state && !state.ok && (
        <p className="text-destructive" role="alert" data-testid="key-error">
          {state.error}
        </p>
      )}
      {state?.ok && (
        <div data-testid="new-key" style={{ marginTop: 12 }}>
          <p className="text-success">Key “{state.name}” created. Copy it now: this is the only time it is shown. We store only a hash and cannot show it again.</p>
          <div style={{ display: "flex", gap: 8 }}>
            <input readOnly aria-label="Your new API key" value={state.secret} data-testid="new-key-secret" onFocus={(e) => e.currentTarget.select()} />
            <button
              type="button"
              className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
              data-testid="copy-key"
              onClick={async () => {
                await navigator.clipboard?.writeText(state.secret).catch(() => {});
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
