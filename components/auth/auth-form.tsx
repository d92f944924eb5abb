"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormState } from "@/app/(auth)/actions";
import { Button } from "@/components/ui/button";

type Props = {
  mode: "signup" | "login";
  action: (prev: FormState, form: FormData) => Promise<FormState>;
};

export function AuthForm({ mode, action }: Props) {
  const [state, formAction, pending] = useActionState(action, undefined);
  const signup = mode === "signup";
  if (state?.done) {
    // The same answer whether or not the address already had an account (lib/auth/signup.ts).
    return (
      <div className="mx-auto my-10 w-full max-w-[380px] rounded-lg border bg-card p-5 text-card-foreground sm:my-16" data-testid="signup-sent" role="status">
        <h1>Check your email</h1>
        <p>{state.done}</p>
        <p className="text-muted-foreground">
          You can <Link href="/login">sign in</Link> now and look around; the link adds your free credit.
        </p>
      </div>
    );
  }
  return (
    <form
      action={formAction}
      className="mx-auto my-10 w-full max-w-[380px] rounded-lg border bg-card p-5 text-card-foreground sm:my-16"
      data-testid={`${mode}-form`}
    >
      <h1>{signup ? "Create your account" : "Sign in"}</h1>
      {signup && <p className="text-muted-foreground">You get $10.00 of free credit when you verify your email address. No card needed.</p>}
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required defaultValue={state?.email} data-testid="email" />
      <label htmlFor="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete={signup ? "new-password" : "current-password"}
        required
        minLength={signup ? 10 : undefined}
        data-testid="password"
      />
      {signup && <p className="text-[13px] text-muted-foreground">At least 10 characters.</p>}
      {state?.error && (
        <p className="text-destructive" role="alert" data-testid="form-error">
          {state.error}
        </p>
      )}
      <p>
        <Button type="submit" disabled={pending} data-testid="submit" className="w-full">
          {pending ? "Please wait…" : signup ? "Create account" : "Sign in"}
        </Button>
      </p>
      <p className="text-muted-foreground">
        {signup ? (
          <>
            Already have an account? <Link href="/login">Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href="/signup">Create an account</Link> ·{" "}
            <Link href="/forgot-password" data-testid="forgot-password">
              Forgot your password?
            </Link>
          </>
        )}
      </p>
    </form>
  );
}
