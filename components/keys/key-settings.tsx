"use client";

import { useActionState } from "react";
import type { KeyEditState } from "@/app/dashboard/keys/actions";
import { ActionStatus, FIELD_ROW } from "@/components/ui/action-status";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";

type Action = (prev: KeyEditState, form: FormData) => Promise<KeyEditState>;
const PERIODS = ["daily", "weekly", "monthly", "total"] as const;

/** A key's rename and spend-limit forms, in a dialog opened by the row's Edit button. */
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
    <Dialog>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" data-testid="key-edit">
          Edit
        </Button>
      </DialogTrigger>
      <DialogContent title={`Edit “${props.name}”`} data-testid="key-settings">
        <form action={rename} className={FIELD_ROW}>
          <input type="hidden" name="keyId" value={props.keyId} />
          <div>
            <label htmlFor={id("name")}>Name</label>
            <input id={id("name")} name="name" defaultValue={props.name} maxLength={64} data-testid="rename-input" />
          </div>
          <Button type="submit" variant="outline" disabled={renaming} data-testid="rename-submit">
            Rename
          </Button>
        </form>
        <ActionStatus state={renamed} testId="rename-status" />
        <form action={setLimit} className={FIELD_ROW}>
          <input type="hidden" name="keyId" value={props.keyId} />
          <div>
            <label htmlFor={id("limit")}>Spend limit (USD)</label>
            <input id={id("limit")} name="limit" inputMode="decimal" placeholder="e.g. 25" defaultValue={props.limitUsd} data-testid="limit-input" />
          </div>
          <div>
            <label htmlFor={id("period")}>Per</label>
            <select id={id("period")} name="period" defaultValue={props.period ?? "monthly"} data-testid="limit-period">
              {PERIODS.map((p) => (
                <option key={p} value={p}>
                  {p === "total" ? "in total" : p}
                </option>
              ))}
            </select>
          </div>
          <Button type="submit" name="intent" value="set" disabled={limiting} data-testid="limit-submit">
            Set limit
          </Button>
          {props.period && (
            <Button type="submit" name="intent" value="clear" variant="outline" disabled={limiting} data-testid="limit-clear">
              Remove limit
            </Button>
          )}
        </form>
        <ActionStatus state={limited} testId="limit-status" />
        <p className="text-[13px] text-muted-foreground">
          When a request would take the key past its limit it is refused with 402 before any work; the period restarts at 00:00 UTC (weeks on Monday, months on
          the 1st).
        </p>
      </DialogContent>
    </Dialog>
  );
}
