// Process-wide state and the shutdown registry (docs/architecture.md, "Process state").
//
// Next.js bundles instrumentation and each route handler separately, so a module can be
// loaded more than once in one process, each copy with its own module scope. State that
// must be one per process (the database client, the limiter, settle queues, credit leases,
// pending writes) therefore lives on globalThis, under a name, created on first use. This
// helper is the only place that touches globalThis for that.

type Registry = {
  values: Map<string, unknown>;
  shutdown: Map<string, () => Promise<void> | void>;
};

const registry: Registry = ((globalThis as unknown as { __metered?: Registry }).__metered ??= {
  values: new Map(),
  shutdown: new Map(),
});

/** The process's one value under `name`, created by `init` the first time it is asked for. */
export function processSingleton<T>(name: string, init: () => T): T {
  if (!registry.values.has(name)) registry.values.set(name, init());
  return registry.values.get(name) as T;
}

/**
 * Joins the shutdown registry: `flush` runs once when the process is asked to stop
 * (SIGTERM/SIGINT), to commit or give back pending work (settles, credit leases, buffered
 * writes). Registering again under the same name replaces the earlier flush.
 */
export function onShutdown(name: string, flush: () => Promise<void> | void): void {
  registry.shutdown.set(name, flush);
}

/**
 * Runs every registered flush, in registration order (earlier holders first: a flush may
 * produce work for a later one, e.g. settles before lease release), each awaited, errors
 * logged and not propagated. Bounded by the caller.
 */
export async function runShutdown(): Promise<void> {
  for (const [name, flush] of registry.shutdown) {
    try {
      await flush();
    } catch (err) {
      console.error(`[metered] shutdown: ${name} failed`, err);
    }
  }
}
