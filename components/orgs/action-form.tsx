"use client";

import { useActionState } from "react";
import type { OrgActionState } from "@/app/dashboard/organization/actions";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/ui/cn";

type Action = (prev: OrgActionState, form: FormData) => Promise<OrgActionState>;

/** A small form of the organization page: its fields, one submit button and the action's answer. */
export function ActionForm(props: {
  action: Action;
  testId: string;
  submit: string;
  variant?: "default" | "outline" | "destructive";
  inline?: boolean;
  children?: React.ReactNode;
}) {
  const [state, formAction, pending] = useActionState(props.action, undefined);
  return (
    <form action={formAction} data-testid={props.testId} className={cn(props.inline ? "inline-flex flex-wrap items-center gap-2" : "space-y-2")}>
      {props.children}
      <Button type="submit" size="sm" variant={props.variant ?? "default"} disabled={pending} data-testid={`${props.testId}-submit`}>
        {pending ? "Please wait…" : props.submit}
      </Button>
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
    </form>
  );
}
