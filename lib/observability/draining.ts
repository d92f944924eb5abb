import { processSingleton } from "@/lib/process";

// Whether this process is stopping (SIGTERM/SIGINT, lib/shutdown.ts). From the signal on,
// readiness (/readyz) answers 503 so a load balancer stops sending new work here, while
// the requests and streams already open run to their end. One flag per process
// (lib/process.ts): instrumentation and each route bundle see the same value.

const state = processSingleton("observability.draining", () => ({ since: null as number | null }));

/** Marks the process as draining (idempotent). */
export function startDraining(): void {
  state.since ??= Date.now();
}

/** True once the process has been asked to stop. */
export function isDraining(): boolean {
  return state.since !== null;
}
