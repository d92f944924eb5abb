"use client";

import { useActionState } from "react";
import type { CreateKeyState } from "@/app/dashboard/keys/actions";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";

export function CreateKeyForm({
  action,
  projects = [],
}: {
  action: (prev: CreateKeyState, form: FormData) => Promise<CreateKeyState>;
  /** The organization's projects, Default first (lib/projects listProjects): the key is created in the chosen one. */
  projects?: { id: string; name: string }[];
}) {
  const [state, formAction, pending] = useActionState(action, undefined);
  return (
    <Card>
      <form action={formAction} className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-[1_1_200px]">
          <label htmlFor="key-name">New key name</label>
          <input id="key-name" name="name" placeholder="e.g. production backend" maxLength={64} data-testid="key-name" />
        </div>
        {projects.length > 0 && (
          <div className="min-w-0 flex-[0_1_200px]">
            <label htmlFor="key-project">Project</label>
            <select id="key-project" name="project" defaultValue={projects[0].id} data-testid="key-project">
              {projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <Button type="submit" disabled={pending} data-testid="create-key">
          {pending ? "Creating…" : "Create key"}
        </Button>
      </form>
      {state && !state.ok && (
        <p className="text-destructive" role="alert" data-testid="key-error">
          {state.error}
        </p>
      )}
      {state?.ok && (
        <div data-testid="new-key" className="mt-3">
          <p className="text-success">
            Key “{state.name}” created. Copy it now: this is the only time it is shown. We store only a hash and cannot show it again.
          </p>
          <div className="flex flex-wrap items-center gap-2">
            {/* Monospace: l, I and 1 must not look alike in a secret someone may retype. */}
            <input
              readOnly
              aria-label="Your new API key"
              value={state.secret}
              data-testid="new-key-secret"
              className="min-w-0 flex-[1_1_240px] font-mono text-[13px]"
              onFocus={(e) => e.currentTarget.select()}
            />
            <CopyButton text={state.secret} label="Copy key" testId="copy-key" />
          </div>
        </div>
      )}
    </Card>
  );
}
