"use client";

import { startTransition, useActionState, useEffect, useRef, type FormEvent } from "react";
import type { SettingsState } from "@/app/dashboard/settings/actions";

type Action = (prev: SettingsState, form: FormData) => Promise<SettingsState>;
type Field = { name: string; label: string; type: "email" | "password" | "text"; autoComplete?: string; minLength?: number };

/** One settings form: its fields, a submit button, and the answer (success or what to fix). */
export function SettingsForm(props: { testId: string; fields: Field[]; submit: string; action: Action; danger?: boolean }) {
  const [state, formAction, pending] = useActionState(props.action, undefined);
  // Submitted through a transition rather than as a form action, so React does not reset the
  // form afterwards: after "wrong password" the user corrects one field instead of retyping all.
  // (`action` stays for a submit before hydration.)
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state?.ok) form.current?.reset(); // done: nothing left to correct
  }, [state]);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    startTransition(() => formAction(data));
  };
  return (
    <form ref={form} action={formAction} onSubmit={submit} data-testid={props.testId}>
      {props.fields.map((f) => (
        <div key={f.name}>
          <label htmlFor={`${props.testId}-${f.name}`}>{f.label}</label>
          <input
            id={`${props.testId}-${f.name}`}
            name={f.name}
            type={f.type}
            required
            autoComplete={f.autoComplete}
            minLength={f.minLength}
            data-testid={`${props.testId}-${f.name}`}
            aria-invalid={state && !state.ok && state.field === f.name ? true : undefined}
          />
        </div>
      ))}
      {state && !state.ok && (
        <p className="text-destructive" role="alert" data-testid={`${props.testId}-error`}>
          {state.error}
        </p>
      )}
      {state?.ok && (
        <p role="status" data-testid={`${props.testId}-ok`}>
          {state.message}
        </p>
      )}
      <p>
        <button type="submit" disabled={pending} className={props.danger ? "danger" : undefined} data-testid={`${props.testId}-submit`}>
          {pending ? "Please wait…" : props.submit}
        </button>
      </p>
    </form>
  );
}

/** The dashboard's "send the link again" button for an unverified address. */
export function ResendVerification({ action }: { action: (prev: SettingsState) => Promise<SettingsState> }) {
  const [state, formAction, pending] = useActionState(action, undefined);
  return (
    <form action={formAction} style={{ display: "inline" }}>
      <button
        type="submit"
        className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent"
        disabled={pending}
        data-testid="resend-verification"
      >
        {pending ? "Sending…" : "Send the link again"}
      </button>
      {state && (
        <span role="status" className={state.ok ? "muted" : "error"} data-testid="resend-result" style={{ marginLeft: 8 }}>
          {state.ok ? state.message : state.error}
        </span>
      )}
    </form>
  );
}
