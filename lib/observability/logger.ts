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
// data: the request line (./request.ts) carries ids, counts and money only, and the paths
// below are redacted in case a caller passes an object that holds one.

const REDACT = [
  "authorization",
  "password",
  "secret",
  "token",
  "apiKey",
  "cookie",
  "*.authorization",
  "*.password",
  "*.secret",
  "*.token",
  "*.apiKey",
  "*.cookie",
  "headers.authorization",
  "headers.cookie",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
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
