import type { Db } from "@/db/client";
import type { BatchSettleResult } from "@/lib/ledger";
import { processSingleton } from "@/lib/process";

// What happens after a settle commits, without delaying any answer: other modules react to
// settles through hooks they register when the server starts (billing's auto top-up:
// lib/billing/start.ts), so metering depends on nobody. The work a hook starts is tracked
// with the settles' own commits, so tests and the shutdown flush can wait for all of it.

export type AfterSettleHook = (db: Db, accountId: string, result: BatchSettleResult) => Promise<void> | void;

// Process-wide (lib/process.ts): the server's start registers the hooks in the
// instrumentation bundle; the settles run in the route bundles.
const state = processSingleton("metering.afterSettle", () => ({
  hooks: new Map<string, AfterSettleHook>(),
  background: new Set<Promise<unknown>>(),
}));

/** Registers (or, under the same name, replaces) a hook run after every committed settle. */
export function onAfterSettle(name: string, hook: AfterSettleHook): void {
  state.hooks.set(name, hook);
}

/** Tracks work started after a settle (its commit, the hooks), for afterSettleIdle(). */
export function trackSettleWork(p: Promise<unknown>): void {
  const q = p.catch(() => {}).finally(() => state.background.delete(q));
  state.background.add(q);
}

/**
 * Runs the registered hooks for a committed settle; never throws, never delays the caller.
 * Called for every settle: a hook with nothing to do returns nothing and costs a call.
 */
export function runAfterSettle(db: Db, accountId: string, result: BatchSettleResult): void {
  if (!result.settled) return;
  for (const [name, hook] of state.hooks) {
    const failed = (err: unknown) => console.error(`[metering] after-settle hook ${name} failed`, err);
    try {
      const work = hook(db, accountId, result);
      if (work) trackSettleWork(work.catch(failed));
    } catch (err) {
      failed(err);
    }
  }
}

/** Resolves when every settle started so far has committed and the work it started has finished (tests, shutdown). */
export async function afterSettleIdle(): Promise<void> {
  while (state.background.size) await Promise.all([...state.background]);
}
