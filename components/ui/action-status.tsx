/** What a form's server action answered: done (a message) or refused (an error), or nothing yet. */
export type ActionState = { ok: true; message: string } | { ok: false; error: string } | undefined;

/** The answer of a form's server action, announced politely when done and at once when refused. */
export function ActionStatus({ state, testId }: { state: ActionState; testId: string }) {
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

/** A row of form fields that wrap below 140 px each. */
export const FIELD_ROW = "mt-1 flex flex-wrap items-end gap-2 [&>div]:min-w-0 [&>div]:flex-[1_1_140px]";
