// Swaps a process-wide value (lib/process.ts's processSingleton registry) for a test, e.g.
// the rate limiter on a fake clock, and gives back a function that restores what was there.
// Tests only: production code never replaces a singleton.

type Registry = { values: Map<string, unknown> };

export function swapProcessSingleton<T>(name: string, value: T): () => void {
  const registry = (globalThis as unknown as { __metered?: Registry }).__metered;
  if (!registry) throw new Error("lib/process.ts is not loaded yet: import the module under test first");
  const had = registry.values.has(name);
  const previous = registry.values.get(name);
  registry.values.set(name, value);
  return () => {
    if (had) registry.values.set(name, previous);
    else registry.values.delete(name);
  };
}

/** The process-wide value under `name`, as the module that owns it created it (that module must be loaded). */
export function processValue<T>(name: string): T {
  const registry = (globalThis as unknown as { __metered?: Registry }).__metered;
  if (!registry?.values.has(name)) throw new Error(`no process value "${name}" yet: import the module that owns it first`);
  return registry.values.get(name) as T;
}
