import fs from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { useDbHandle } from "@/db/client";
import { flushLastUsed } from "@/lib/api/key-auth";
import { releaseAllLeases } from "@/lib/metering/credit-lease";
import { flushFailedRequests } from "@/lib/usage/failed-requests";
import { afterSettleIdle, settleCommitOf } from "@/lib/metering/meter";
import type { TestDb } from "./db";

// Calls the app's route handlers in-process: maps a URL path onto app/**/route.ts (exact
// folder names first, then [param] folders, route groups "(x)" are looked through), and
// invokes the exported method with a real Request. With it the official SDK runs
// against the routes without a server:
//   new OpenAI({ apiKey, baseURL: "http://app.test/v1", fetch: appFetch })

const APP_DIR = path.resolve(import.meta.dirname, "../../app");

type Match = { file: string; params: Record<string, string | string[]> };

function findRoute(dir: string, segments: string[], params: Record<string, string | string[]>): Match | null {
  if (segments.length === 0) {
    const file = ["route.ts", "route.tsx", "route.js"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (file) return { file, params };
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  } catch {
    return null;
  }
  const [head, ...rest] = segments;
  if (head !== undefined) {
    const exact = entries.find((e) => e.name === head);
    if (exact) {
      const m = findRoute(path.join(dir, exact.name), rest, params);
      if (m) return m;
    }
    for (const e of entries) {
      const dyn = /^\[([^.\]]+)\]$/.exec(e.name);
      if (dyn) {
        const m = findRoute(path.join(dir, e.name), rest, { ...params, [dyn[1]]: decodeURIComponent(head) });
        if (m) return m;
      }
      const catchAll = /^\[\.\.\.([^\]]+)\]$/.exec(e.name);
      if (catchAll) {
        const m = findRoute(path.join(dir, e.name), [], { ...params, [catchAll[1]]: segments.map(decodeURIComponent) });
        if (m) return m;
      }
    }
  }
  for (const e of entries.filter((e) => /^\(.+\)$/.test(e.name))) {
    const m = findRoute(path.join(dir, e.name), segments, params);
    if (m) return m;
  }
  return null;
}

export async function appFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const match = findRoute(APP_DIR, url.pathname.split("/").filter(Boolean), {});
  if (!match) return new Response(JSON.stringify({ error: { message: `no route for ${url.pathname}` } }), { status: 404 });
  const mod = (await import(/* @vite-ignore */ match.file)) as Record<string, unknown>;
  const handler = mod[request.method];
  if (typeof handler !== "function") return new Response(null, { status: 405 });
  const res = await (handler as (r: Request, c: unknown) => Promise<Response>)(request, { params: Promise.resolve(match.params) });
  return afterItsSettle(res);
}

/**
 * Settles commit just after the answer (lib/metering/meter.ts). Tests read the database as
 * soon as they have the answer, as a client of /v1/credits would (which waits for them): so
 * the answer, or the end of its body for a stream, is handed over once its settle committed.
 */
function afterItsSettle(res: Response): Response | Promise<Response> {
  const requestId = res.headers.get("x-request-id");
  if (!requestId) return res;
  const committed = () => settleCommitOf(requestId) ?? Promise.resolve();
  if (!res.body || !res.headers.get("content-type")?.startsWith("text/event-stream")) {
    return committed().then(() => res);
  }
  const body = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: async () => void (await committed()) }));
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** Route handlers get their database from getDb(); point that at a test database. */
export function useDbForRoutes(t: TestDb): void {
  useDbHandle(t);
}

/** Forgets the test database; await it (before dropping the database) to flush pending last-used writes and refused-request rows. */
export async function clearDbForRoutes(): Promise<void> {
  useDbHandle(undefined);
  await Promise.all([flushLastUsed().catch(() => {}), flushFailedRequests().catch(() => {}), afterSettleIdle()]);
  await releaseAllLeases();
}

export function sdkClient(apiKey: string, opts: { baseURL?: string; fetch?: typeof fetch } = {}): OpenAI {
  return new OpenAI({ apiKey, baseURL: opts.baseURL ?? "http://app.test/v1", fetch: opts.fetch ?? appFetch, maxRetries: 0 });
}

/** One chat completion through the SDK, plain or streamed (with include_usage): the cost it reports, in µ$. */
export async function completionCost(
  client: OpenAI,
  body: { model: string; messages: { role: "user"; content: string }[]; max_tokens: number; stream?: boolean },
): Promise<number> {
  if (!body.stream) {
    const r = await client.chat.completions.create({ ...body, stream: false });
    return (r.usage as unknown as { cost_micro_usd: number }).cost_micro_usd;
  }
  const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
  let usage: { cost_micro_usd: number } | undefined;
  for await (const c of stream) if (c.usage) usage = c.usage as unknown as { cost_micro_usd: number };
  if (!usage) throw new Error("the stream ended without a usage chunk");
  return usage.cost_micro_usd;
}
