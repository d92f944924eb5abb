"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormState } from "@/app/(auth)/actions";

type Field = { name: string; label: string; type: "email" | "password" | "hidden"; value?: string; autoComplete?: string; minLength?: number };

type Props = {
  testId: string;
  title: string;
  intro?: React.ReactNode;
  fields: Field[];
  submit: string;
  action: (prev: FormState, form: FormData) => Promise<FormState>;
  /** Shown under the success message, unless the action's answer names a next step (`link`). */
  after?: React.ReactNode;
};

/** The small one-purpose account forms: forgot password, reset password, verify, confirm. */
export function SimpleForm({ testId, title, intro, fields, submit, action, after }: Props) {
  const [state, formAction, pending] = useActionState(action, undefined);
  if (state?.done) {
    return (
      <div className="panel auth-card" data-testid={`${testId}-done`} role="status">
        <h1>{title}</h1>
        <p>{state.done}</p>
        {state.link ? (
          <p>
            <Link href={state.link.href} className="button" data-testid={`${testId}-next`}>
              {state.link.label}
            </Link>
          </p>
        ) : (
          after
        )}
      </div>
    );
  }
  return (
    <form action={formAction} className="panel auth-card" data-testid={testId}>
      <h1>{title}</h1>
      {intro}
      {fields.map((f) =>
        f.type === "hidden" ? (
          <input key={f.name} type="hidden" name={f.name} value={f.value ?? ""} />
        ) : (
          <div key={f.name}>
            <label htmlFor={f.name}>{f.label}</label>
            <input
              id={f.name}
              name={f.name}
              type={f.type}
              required
              autoComplete={f.autoComplete}
              minLength={f.minLength}
              defaultValue={f.type === "email" ? state?.email : undefined}
              data-testid={f.name}
            />
          </div>
        ),
      )}
      {state?.error && (
        <p className="error" role="alert" data-testid="form-error">
          {state.error}
        </p>
      )}
      <p>
        <button type="submit" disabled={pending} data-testid="submit">
          {pending ? "Please wait…" : submit}
        </button>
      </p>
    </form>
  );
}
