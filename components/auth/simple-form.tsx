"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormState } from "@/app/(auth)/actions";
import { Button, buttonVariants } from "@/components/ui/button";

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
  /** Ways on (sign in, home) under the form in every state: an error is never a dead end. */
  links?: React.ReactNode;
};

const CARD = "mx-auto my-10 w-full max-w-[380px] rounded-lg border bg-card p-5 text-card-foreground sm:my-16";

/** The small one-purpose account forms: forgot password, reset password, verify, confirm. */
export function SimpleForm({ testId, title, intro, fields, submit, action, after, links }: Props) {
  const [state, formAction, pending] = useActionState(action, undefined);
  if (state?.done) {
    return (
      <div className={CARD} data-testid={`${testId}-done`} role="status">
        <h1>{title}</h1>
        <p>{state.done}</p>
        {state.link ? (
          <p>
            <Link href={state.link.href} className={buttonVariants()} data-testid={`${testId}-next`}>
              {state.link.label}
            </Link>
          </p>
        ) : (
          after
        )}
        {links}
      </div>
    );
  }
  return (
    <form action={formAction} className={CARD} data-testid={testId}>
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
        <p className="text-destructive" role="alert" data-testid="form-error">
          {state.error}
        </p>
      )}
      <p>
        <Button type="submit" disabled={pending} data-testid="submit" className="w-full">
          {pending ? "Please wait…" : submit}
        </Button>
      </p>
      {links}
    </form>
  );
}
