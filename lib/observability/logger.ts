import { format } from "node:util";
import pino, { type Logger } from "pino";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/process";

// The process's logger (README, "Operations"): pino, one JSON object per line on stdout,
// `level` as a word, `time` in ISO 8601. LOG_LEVEL sets the level (default "info"; "warn"
// under NODE_ENV=test, where the per-request lines would drown the test output).
// In production console.* is routed here too (routeConsoleToLogger(), from
// instrumentation-node.ts), and lib/observability/preload.mjs turns whatever else the
// process writes into JSON lines.
//
// What is logged never includes prompts, completions, API keys, passwords, tokens or card
// data: the request line (./request.ts) carries ids, counts and money only, and fields with
// a secret's name are censored (censorSecrets) in case a caller passes an object with one.

/** Field names whose values are never written, at the top level or one level down. */
const SECRET_FIELDS = new Set(["authorization", "password", "secret", "token", "apikey", "api_key", "cookie", "card", "cardnumber"]);
const CENSOR = "[redacted]";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Censors secret-named fields (pino's `redact` does this with paths, at ~35 µs a line here;
 * this costs well under 1 µs for a request line, which has no such field). Copies only when
 * something is censored.
 */
export function censorSecrets(obj: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const key in obj) {
    const value = obj[key];
    let next = value;
    if (SECRET_FIELDS.has(key.toLowerCase())) next = CENSOR;
    else if (depth === 0 && isPlainObject(value)) next = censorSecrets(value, 1);
    if (next !== value) (out ??= { ...obj })[key] = next;
  }
  return out ?? obj;
}

/** Buffered log output is written once it reaches this many bytes (about ten request lines)... */
export const LOG_BATCH_BYTES = 4096;
/** ...or this long after the previous write, so a quiet server's lines are not held back longer. */
export const LOG_FLUSH_MS = 100;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (obj) => censorSecrets(obj) },
      serializers: { err: pino.stdSerializers.err },
    },
    // Asynchronous: a synchronous write per line to a pipe (a container's log driver, the
    // start script) cost 130-230 µs a line under load against 6 µs (measured here); pino
    // flushes what is pending when the process exits. Lines are also gathered into one
    // write of LOG_BATCH_BYTES or every LOG_FLUSH_MS, whichever comes first: a write per
    // request line was ~11 % of the server's CPU under load (docs/benchmarks.md, issue 22).
    destination ?? pino.destination({ fd: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS }),
  );
}

export function logger(): Logger {
  return processSingleton("observability.logger", () => {
    const e = env();
    return createLogger(e.LOG_LEVEL ?? (e.NODE_ENV === "test" ? "warn" : "info"));
  });
}

type ConsoleMethod = "log" | "info" | "warn" | "error" | "debug" | "trace";
const LEVELS: Record<ConsoleMethod, "info" | "warn" | "error" | "debug" | "trace"> = {
  log: "info",
  info: "info",
  warn: "warn",
  error: "error",
  debug: "debug",
  trace: "trace",
};

/**
 * console.* goes through the logger from now on: the arguments formatted as console would
 * (util.format) into `msg`, the first Error among them as `err` (type, message, stack).
 */
export function routeConsoleToLogger(log: Logger = logger()): void {
  processSingleton("observability.consoleRouted", () => {
    for (const method of Object.keys(LEVELS) as ConsoleMethod[]) {
      const level = LEVELS[method];
      console[method] = (...args: unknown[]) => {
        const err = args.find((a): a is Error => a instanceof Error);
        const rest = err ? args.filter((a) => a !== err) : args;
        const msg = rest.length ? format(...rest) : (err?.message ?? "");
        if (err) log[level]({ err }, msg);
        else log[level](msg);
      };
    }
    return true;
  });
}
