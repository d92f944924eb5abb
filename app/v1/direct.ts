import type { IncomingMessage, ServerResponse } from "node:http";
import { serveWithNode, type WebHandler } from "@/lib/api/node-adapter";
import * as chatCompletions from "./chat/completions/route";
import * as completions from "./completions/route";
import * as responses from "./responses/route";
import * as embeddings from "./embeddings/route";
import * as models from "./models/route";
import * as credits from "./credits/route";
import * as speech from "./audio/speech/route";
import * as transcriptions from "./audio/transcriptions/route";
import * as images from "./images/generations/route";
import * as quote from "./quote/route";

// The model API's routes with a fixed path, served straight from node:http in production
// (lib/api/node-adapter.ts; installed by instrumentation-node.ts), by the same route
// handlers Next.js would call. Everything else, and every method a route does not export
// (HEAD, OPTIONS), goes on to Next.js: paths with parameters (/v1/models/{id},
// /v1/videos/…), unknown /v1 paths (their 404), and /v1/videos, whose rendering runs in
// Next's after() and needs its request scope. tests/unit/direct-routes.test.ts checks
// that this table names every fixed-path route under app/v1 but those.

type RouteModule = Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", WebHandler>>;

export const DIRECT_ROUTES: ReadonlyMap<string, RouteModule> = new Map<string, RouteModule>([
  ["/v1/chat/completions", chatCompletions],
  ["/v1/completions", completions],
  ["/v1/responses", responses],
  ["/v1/embeddings", embeddings],
  ["/v1/models", models],
  ["/v1/credits", credits],
  ["/v1/audio/speech", speech],
  ["/v1/audio/transcriptions", transcriptions],
  ["/v1/images/generations", images],
  ["/v1/quote", quote],
]);

/** Serves the request here if its path and method are in the table; false to leave it to Next.js. */
export function serveDirectRoute(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? "";
  const q = url.indexOf("?");
  const route = DIRECT_ROUTES.get(q === -1 ? url : url.slice(0, q));
  const handler = route?.[req.method as keyof RouteModule];
  if (!handler) return false;
  serveWithNode(req, res, handler).catch((err: unknown) => {
    // Not expected (the adapter answers a handler's failure itself); if it happens, the
    // request ends here, cut, rather than as an unhandled rejection that stops the process.
    console.error(`[api] ${req.method} ${req.url}: could not write the answer`, err);
    res.destroy();
  });
  return true;
}
