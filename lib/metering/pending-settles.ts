import { processSingleton, onShutdown } from "@/lib/process";
import { afterSettleIdle } from "./after-settle";
import { releaseAllLeases } from "./credit-lease";
import { metricsSource } from "@/lib/observability/metrics";

// The pending-settle registry: settles decided (the answer already carries the charge) whose
// statement has not committed yet (./settle.ts), by account and by request: /v1/credits waits for its
// account's, so a client reads its own writes; tests wait for a request's. Process-wide
// (lib/process.ts): Next.js bundles each route handler separately, each with its own copy
// of this module, and /v1/credits must see the settles started by the other routes.
const { pendingByAccount, pendingByRequest } = processSingleton("metering.pendingSettles", () => ({
  pendingByAccount: new Map<string, Set<Promise<unknown>>>(),
  pendingByRequest: new Map<string, Promise<unknown>>(),
}));

metricsSource("settlePending", () => pendingByRequest.size); // metered_settle_pending

// At shutdown: the settles of answers already sent commit first (they may end a lease's
// last use), then this instance's credit leases are given back.
onShutdown("metering", async () => {
  await afterSettleIdle();
  await releaseAllLeases();
});

/** Resolves once every settle of this account started in this process so far has committed (or given up). */
export async function settlesCommitted(accountId: string): Promise<void> {
  const pending = pendingByAccount.get(accountId);
  if (pending?.size) await Promise.all([...pending]);
}

/** The commit of one request's settle, if it is still pending in this process. */
export function settleCommitOf(requestId: string): Promise<unknown> | undefined {
  return pendingByRequest.get(requestId);
}

/** Registers a settle's commit until it is done; returns the promise to track. */
export function trackPendingSettle(accountId: string, requestId: string, commit: Promise<unknown>): Promise<unknown> {
  let set = pendingByAccount.get(accountId);
  if (!set) pendingByAccount.set(accountId, (set = new Set()));
  const pending = set;
  const tracked: Promise<unknown> = commit.finally(() => {
    pending.delete(tracked);
    if (!pending.size && pendingByAccount.get(accountId) === pending) pendingByAccount.delete(accountId);
    pendingByRequest.delete(requestId);
  });
  pending.add(tracked);
  pendingByRequest.set(requestId, tracked);
  return tracked;
}
