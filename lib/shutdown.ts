import type http from "node:http";
import net from "node:net";
import { startDraining } from "@/lib/observability/draining";
import { processSingleton, runShutdown } from "@/lib/process";

// A stop that loses nothing (docs/architecture.md, "Process state and shutdown"). On SIGTERM
// or SIGINT (instrumentation-node.ts):
//  1. readiness turns 503 at once (lib/observability/draining.ts);
//  2. the HTTP server stops listening (new connections are refused) and its idle keep-alive
//     connections are closed; a request still arriving on a busy one is answered with
//     `Connection: close`;
//  3. the open requests and streams run to their end, for at most SHUTDOWN_GRACE_SECONDS;
//     past that they are cut, which settles a metered stream to what was delivered (the
//     same path as a client that leaves, lib/providers/text/metered-stream.ts);
//  4. the shutdown registry runs (lib/process.ts): every settle commits, credit leases are
//     given back, pending writes are flushed;
//  5. the process exits 0 (1 when the registry's flush did not finish within its bound).

/** How long the registry's flush may take once the requests are done. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 10_000;
/** After cutting requests: time for their handlers to start the settles of what was delivered. */
const AFTER_CUT_MS = 200;

type State = {
  servers: Set<http.Server>;
  open: Set<http.ServerResponse>;
  stopping: Promise<number> | null;
  onChange: Set<() => void>;
};

const state = processSingleton<State>("shutdown.state", () => ({ servers: new Set(), open: new Set(), stopping: null, onChange: new Set() }));

function changed(): void {
  for (const f of state.onChange) f();
}

/**
 * Tracks every HTTP server of this process and its open requests (installed once, from
 * instrumentation-node.ts, like lib/auth/peer-address.ts: patching net.Server covers the
 * server `next start` made before instrumentation ran).
 */
export function installRequestTracking(): void {
  processSingleton("shutdown.tracking", () => {
    const emit = net.Server.prototype.emit;
    net.Server.prototype.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]) {
      if (event === "request") {
        const server = this as http.Server;
        const res = args[1] as http.ServerResponse;
        state.servers.add(server);
        state.open.add(res);
        if (state.stopping) res.shouldKeepAlive = false;
        res.once("close", () => {
          state.open.delete(res);
          if (state.stopping) server.closeIdleConnections?.();
          changed();
        });
      } else if (event === "connection") {
        state.servers.add(this as http.Server);
      }
      return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    } as typeof emit;
    return true;
  });
}

/** Requests (streams included) this process is serving right now. */
export function openRequests(): number {
  return state.open.size;
}

function whenNoneOpen(): Promise<void> {
  if (state.open.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (state.open.size > 0) return;
      state.onChange.delete(check);
      resolve();
    };
    state.onChange.add(check);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Drains and stops this process's serving (steps 1 to 4 above); resolves to the exit code.
 * Idempotent: a second signal gets the same promise.
 */
export function stopGracefully(graceMs: number, log: (line: string) => void = (l) => console.log(l)): Promise<number> {
  state.stopping ??= (async () => {
    startDraining();
    const open = state.open.size;
    log(`[metered] stopping: no new connections; ${open} open request${open === 1 ? "" : "s"}, ${graceMs / 1000} s to finish`);
    for (const server of state.servers) {
      server.close(() => {});
      server.closeIdleConnections?.();
    }
    const done = whenNoneOpen();
    const inTime = await Promise.race([done.then(() => true), sleep(graceMs).then(() => false)]);
    if (!inTime) {
      log(`[metered] stopping: ${state.open.size} request(s) still open after ${graceMs / 1000} s: cut, billed for what was delivered`);
      for (const res of state.open) res.destroy();
      await done;
      await sleep(AFTER_CUT_MS);
    }
    for (const server of state.servers) server.closeAllConnections?.();
    const flushed = await Promise.race([runShutdown().then(() => true), sleep(SHUTDOWN_FLUSH_TIMEOUT_MS).then(() => false)]);
    if (!flushed) console.error(`[metered] stopping: the shutdown flush did not finish within ${SHUTDOWN_FLUSH_TIMEOUT_MS / 1000} s`);
    log("[metered] stopped");
    return flushed ? 0 : 1;
  })();
  return state.stopping;
}
