"use client";

import { useActionState, useRef, useState } from "react";
import type { ProjectActionState } from "./actions";
import { ActionStatus, FIELD_ROW } from "@/components/ui/action-status";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog, Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";

type Action = (prev: ProjectActionState, form: FormData) => Promise<ProjectActionState>;
export type ModelOption = { id: string; group: string };

export function CreateProjectForm({ action }: { action: Action }) {
  const [state, formAction, pending] = useActionState(action, undefined);
  return (
    <Card>
      <form action={formAction} className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-[1_1_200px]">
          <label htmlFor="project-name">New project name</label>
          <input id="project-name" name="name" placeholder="e.g. mobile app" maxLength={64} data-testid="project-name" />
        </div>
        <Button type="submit" disabled={pending} data-testid="create-project">
          {pending ? "Creating…" : "Create project"}
        </Button>
      </form>
      <ActionStatus state={state} testId="create-project-status" />
    </Card>
  );
}

/** A project's rename, budget and model-allowlist forms, in a dialog opened by the row's Edit button. */
export function ProjectSettings(props: {
  projectId: string;
  name: string;
  isDefault: boolean;
  budgetUsd: string;
  allowedModels: string[] | null;
  models: ModelOption[];
  renameAction: Action;
  budgetAction: Action;
  modelsAction: Action;
}) {
  const [renamed, rename, renaming] = useActionState(props.renameAction, undefined);
  const [budgeted, setBudget, budgeting] = useActionState(props.budgetAction, undefined);
  const [listed, setModels, listing] = useActionState(props.modelsAction, undefined);
  const [only, setOnly] = useState(props.allowedModels !== null);
  const id = (s: string) => `${s}-${props.projectId}`;
  const allowed = new Set(props.allowedModels ?? []);
  const groups = [...new Set(props.models.map((m) => m.group))];
  return (
    <Dialog>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" data-testid="project-edit">
          Edit
        </Button>
      </DialogTrigger>
      <DialogContent title={`Edit “${props.name}”`} data-testid="project-settings">
        {!props.isDefault && (
          <>
            <form action={rename} className={FIELD_ROW}>
              <input type="hidden" name="projectId" value={props.projectId} />
              <div>
                <label htmlFor={id("name")}>Name</label>
                <input id={id("name")} name="name" defaultValue={props.name} maxLength={64} data-testid="project-rename-input" />
              </div>
              <Button type="submit" variant="outline" disabled={renaming} data-testid="project-rename-submit">
                Rename
              </Button>
            </form>
            <ActionStatus state={renamed} testId="project-rename-status" />
          </>
        )}
        <form action={setBudget} className={FIELD_ROW}>
          <input type="hidden" name="projectId" value={props.projectId} />
          <div>
            <label htmlFor={id("budget")}>Monthly budget (USD)</label>
            <input
              id={id("budget")}
              name="budget"
              inputMode="decimal"
              placeholder="e.g. 50"
              defaultValue={props.budgetUsd}
              data-testid="project-budget-input"
            />
          </div>
          <Button type="submit" name="intent" value="set" disabled={budgeting} data-testid="project-budget-submit">
            Set budget
          </Button>
          {props.budgetUsd !== "" && (
            <Button type="submit" name="intent" value="clear" variant="outline" disabled={budgeting} data-testid="project-budget-clear">
              Remove budget
            </Button>
          )}
        </form>
        <ActionStatus state={budgeted} testId="project-budget-status" />
        <p className="text-[13px] text-muted-foreground">
          A request that would take the project past its budget this month is refused with 402 before any work; the month restarts on the 1st at 00:00 UTC.
        </p>
        <form action={setModels} className="mt-3">
          <input type="hidden" name="projectId" value={props.projectId} />
          <fieldset>
            <legend className="font-medium">Models</legend>
            <div className="flex flex-wrap gap-4">
              <label className="flex items-center gap-2 font-normal">
                <input type="radio" name="mode" value="all" checked={!only} onChange={() => setOnly(false)} data-testid="project-models-all" />
                Every model
              </label>
              <label className="flex items-center gap-2 font-normal">
                <input type="radio" name="mode" value="only" checked={only} onChange={() => setOnly(true)} data-testid="project-models-only" />
                Only the models checked below
              </label>
            </div>
            <div className="mt-2 max-h-64 overflow-y-auto rounded-md border p-2" hidden={!only}>
              {groups.map((g) => (
                <fieldset key={g} className="mb-2">
                  <legend className="text-[13px] text-muted-foreground">{g}</legend>
                  {props.models
                    .filter((m) => m.group === g)
                    .map((m) => (
                      <label key={m.id} className="flex items-center gap-2 font-normal break-all">
                        <input type="checkbox" name="model" value={m.id} defaultChecked={allowed.has(m.id)} data-testid="project-model" />
                        <code>{m.id}</code>
                      </label>
                    ))}
                </fieldset>
              ))}
            </div>
          </fieldset>
          <Button type="submit" className="mt-2" disabled={listing} data-testid="project-models-submit">
            Save models
          </Button>
        </form>
        <ActionStatus state={listed} testId="project-models-status" />
      </DialogContent>
    </Dialog>
  );
}

/** Archive, confirmed in an alert dialog; the form posts on confirm. */
export function ArchiveProjectButton({ projectId, name, action }: { projectId: string; name: string; action: Action }) {
  const [state, formAction] = useActionState(action, undefined);
  const form = useRef<HTMLFormElement>(null);
  return (
    <form action={formAction} ref={form}>
      <input type="hidden" name="projectId" value={projectId} />
      <ConfirmDialog
        trigger={
          <Button variant="destructive" size="sm" data-testid="project-archive">
            Archive
          </Button>
        }
        title={`Archive “${name}”?`}
        description="Its keys are revoked at once: their requests are refused with 401 from now on. Its usage stays in the usage pages. This cannot be undone."
        actionLabel="Archive project"
        onConfirm={() => form.current?.requestSubmit()}
      />
      <ActionStatus state={state} testId="project-archive-status" />
    </form>
  );
}
