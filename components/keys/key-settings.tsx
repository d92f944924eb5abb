"use client";

import { useActionState } from "react";
import type { KeyEditState } from "@/app/dashboard/keys/actions";

type Action = (prev: KeyEditState, form: FormData) => Promise<KeyEditState>;
const PERIODS = ["daily", "weekly", "monthly", "total"] as const;

function Status({ state, testId }: { state: KeyEditState; testId: string }) {
  if (!state) return null;
  return state.ok ? (
    <p className="text-success" role="status" data-testid={testId}>
      {state.message}
    </p>
  ) : (
    <p className="text-destructive" role="alert" data-testid={testId}>
      {state.error}
    </p>
  );
}

/** A key's rename and spend-limit forms, folded under "Edit" in its row. */
export function KeySettings(props: {
  keyId: string;
  name: string;
  limitUsd: string;
  period: (typeof PERIODS)[number] | null;
  renameAction: Action;
  limitAction: Action;
}) {
  const [renamed, rename, renaming] = useActionState(props.renameAction, undefined);
  const [limited, setLimit, limiting] = useActionState(props.limitAction, undefined);
  const id = (s: string) => `${s}-${props.keyId}`;
  return (
    <details className="key-settings" data-testid="key-settings">
      <summary>Edit</summary>
      <form action={rename} className="mt-2 flex flex-wrap items-center gap-1.5 [&_label]:m-0 [&_input]:w-auto [&_input]:flex-[1_1_120px] [&_select]:w-auto [&_select]:flex-[1_1_120px]">
        <input type="hidden" name="keyId" value={props.keyId} />
        <label htmlFor={id("name")}>Name</label>
        <input id={id("name")} name="name" defaultValue={props.name} maxLength={64} data-testid="rename-input" />
        <button type="submit" className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent" disabled={renaming} data-testid="rename-submit">
          Rename
        </button>
      </form>
      <Status state={renamed} testId="rename-status" />
      <form action={setLimit} className="mt-2 flex flex-wrap items-center gap-1.5 [&_label]:m-0 [&_input]:w-auto [&_input]:flex-[1_1_120px] [&_select]:w-auto [&_select]:flex-[1_1_120px]">
        <input type="hidden" name="keyId" value={props.keyId} />
        <label htmlFor={id("limit")}>Spend limit (USD)</label>
        <input id={id("limit")} name="limit" inputMode="decimal" placeholder="e.g. 25" defaultValue={props.limitUsd} data-testid="limit-input" />
        <label htmlFor={id("period")}>per</label>
        <select id={id("period")} name="period" defaultValue={props.period ?? "monthly"} data-testid="limit-period">
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {p === "total" ? "in total" : p}
            </option>
          ))}
        </select>
        <button type="submit" name="intent" value="set" disabled={limiting} data-testid="limit-submit">
          Set limit
        </button>
        {props.period && (
          <button type="submit" name="intent" value="clear" className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border bg-transparent text-foreground hover:bg-accent" disabled={limiting} data-testid="limit-clear">
            Remove limit
          </button>
        )}
      </form>
      <Status state={limited} testId="limit-status" />
      <p className="text-muted-foreground text-[13px]">
        When a request would take the key past its limit it is refused with 402 before any work; the period restarts at 00:00 UTC (weeks on Monday, months on
        the 1st).
      </p>
    </details>
  );
}
