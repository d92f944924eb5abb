import { getDb, type Db } from "@/db/client";
import type { ApiKeyPrincipal } from "@/lib/api-keys";
import { getCatalog, type Catalog, type CatalogModel } from "@/lib/catalog";
import { newId } from "@/lib/ids";
import type { Units } from "@/lib/metering/cost";
import { openMeter, type Meter } from "@/lib/metering/meter";
import { creditHeaders } from "@/lib/metering/credit-headers";
import { spendableMicroUsdShared } from "@/lib/metering/credits";
import { errorResponse, toApiError } from "./errors";
import { authenticate, noteKeyUsed } from "./key-auth";
import { checkRateLimit } from "./rate-limit-hook";
import { rateLimitExceededError } from "@/lib/ratelimit/errors";
import { securityHeaders } from "@/lib/security/headers";
import { appOrigin } from "@/lib/env";
import { formatUsd } from "@/lib/money";
import { ApiError } from "./errors";
import { recordFailedRequest } from "@/lib/usage/failed-requests";
import { observeRequest } from "@/lib/observability/request";

/** nginx's "client closed request": recorded when the client left before its answer. */
const CLIENT_CLOSED_REQUEST = 499;

// The security headers every response carries; for /v1 they are set here, not in proxy.ts
// (which the model API skips). Computed once: they depend only on configuration.
let apiSecurityHeaders: Record<string, string> | undefined;

export type ApiContext<P = Record<string, string>> = {
  req: Request;
  /** `req_…`; already on the response as x-request-id, and on the usage event and ledger entry. */
  requestId: string;
  key: ApiKeyPrincipal;
  db: Db;
  params: P;
  catalog: Catalog;
  /** performance.now() when the request arrived (latency is measured from here). */
  startedAt: number;
  /** Absolute URL of the billing page (APP_URL, else this request's origin). */
  billingUrl: string;
  /**
   * Reserve the worst case before any model work (402 if refused) and get the request's
   * Meter. If the handler throws, or returns without settling and without handing the
   * meter to a stream (meter.detached = true), the wrapper releases it: nothing charged.
   */
  openMeter(input: { model: CatalogModel; worstCase: Units; maxCostMicroUsd?: bigint | null }): Promise<Meter>;
};

type RouteContext<P> = { params?: Promise<P> };

/** What every /v1 response starts from: its request id and the security headers. */
export function apiResponseHeaders(requestId: string): Headers {
  return new Headers({ "x-request-id": requestId, ...(apiSecurityHeaders ??= securityHeaders()) });
}

/**
 * The one wrapper for every /v1 route handler: request id, API-key auth, the rate-limit
 * hook, a typed context, and one catch that turns anything thrown into the OpenAI error
 * shape. Every response, error or not, carries x-request-id and the rate-limit headers.
 */
export type ApiHandler<P = Record<string, string>> = (ctx: ApiContext<P>) => Promise<Response>;

/** A wrapped route; its handler is kept for POST /v1/quote, which runs it up to its hold (lib/api/quote.ts). */
export type ApiRoute<P = Record<string, string>> = ((req: Request, routeCtx?: RouteContext<P>) => Promise<Response>) & { handler: ApiHandler<P> };

export function withApiKey<P = Record<string, string>>(handler: ApiHandler<P>): ApiRoute<P> {
  return Object.assign(route, { handler });
  async function route(req: Request, routeCtx?: RouteContext<P>): Promise<Response> {
    const startedAt = performance.now();
    const requestId = newId("req");
    const headers = apiResponseHeaders(requestId);
    const meters: Meter[] = [];
    const obs = observeRequest(req, requestId, startedAt); // metrics, span, request log line (lib/observability)
    // For the record of a refusal (below): who asked, and for which model if it got that far.
    let db: Db | undefined;
    let key: ApiKeyPrincipal | undefined;
    let attemptedModel: string | null = null;
    // x-credit-remaining: read once the hold is in force (alongside the model call), or at the answer.
    let spendableRead: Promise<bigint | null> | null = null;
    const setCreditHeaders = async () => {
      if (!db || !key) return;
      const spendable = await (spendableRead ?? spendableMicroUsdShared(db, key.accountId).catch(() => null));
      if (spendable === null) return;
      const held = meters.length ? meters.reduce((sum, m) => sum + m.reservedMicroUsd, 0n) : null;
      for (const [k, v] of Object.entries(creditHeaders(spendable, held))) headers.set(k, v);
    };
    try {
      db = await getDb();
      key = await authenticate(db, req);
      obs.identify(key);
      noteKeyUsed(db, key.keyId);
      // Frozen by a refund or dispute of spent credit: read with the cached key (no query).
      if (key.owedMicroUsd > 0n) throw accountFrozenError(key.owedMicroUsd, new URL("/dashboard/billing", appOrigin(req.url)).toString());

      // RATE LIMIT HOOK: see lib/api/rate-limit-hook.ts (lib/ratelimit plugs in there).
      const limit = await obs.call("ratelimit", checkRateLimit, { key });
      for (const [k, v] of Object.entries(limit.headers)) headers.set(k, v);
      if (!limit.allowed) throw limit.error ?? rateLimitExceededError({ tier: key.tier, retryAfterSeconds: limit.retryAfterSeconds });

      // Only error messages and /v1/credits need it: built on first use (two URL parses).
      let billingUrl: string | undefined;
      const principal = key;
      const conn = db;
      const ctx: ApiContext<P> = {
        req,
        requestId,
        key: principal,
        db: conn,
        params: ((await routeCtx?.params) ?? {}) as P,
        catalog: getCatalog(),
        startedAt,
        get billingUrl() {
          return (billingUrl ??= new URL("/dashboard/billing", appOrigin(req.url)).toString());
        },
        openMeter: async (input) => {
          attemptedModel = input.model.id;
          obs.setModel(input.model.id);
          const meter = await obs.call("hold", openMeter, {
            ...input,
            db: conn,
            key: principal,
            requestId,
            startedAt,
            get billingUrl() {
              return ctx.billingUrl;
            },
          });
          meters.push(meter);
          spendableRead ??= spendableMicroUsdShared(conn, principal.accountId).catch(() => null);
          return meter;
        },
      };
      const res = await obs.run(() => handler(ctx));
      for (const m of meters) {
        if (!m.settled && !m.detached) {
          console.error(`[api] ${requestId}: handler returned without settling its meter; released`);
          await m.release({ status: "unsettled", httpStatus: res.status });
        }
      }
      await setCreditHeaders();
      obs.responded(res, meters);
      return withHeaders(res, headers);
    } catch (err) {
      const { error, unexpected } = toApiError(err, requestId);
      if (unexpected) console.error(`[api] ${requestId} ${req.method} ${new URL(req.url).pathname} failed:`, err);
      if (unexpected) obs.failed(err);
      // The client left before its answer (the signal aborted the provider's work): nothing
      // is charged, and the request log says so rather than blaming the provider.
      const gone = req.signal.aborted;
      for (const m of meters) {
        if (!m.settled && !m.detached) {
          await m
            .release(
              gone
                ? { status: "aborted", aborted: true, httpStatus: CLIENT_CLOSED_REQUEST, errorCode: "client_closed_request" }
                : { status: "error", httpStatus: error.status, errorCode: error.code },
            )
            .catch((e) => console.error(`[api] ${requestId}: release failed`, e));
        }
      }
      // Refused before any credit was held (400, 402, 404, 429 …): no usage event exists, so
      // the refusal is noted for the request log (coalesced, written after the answer).
      if (db && key && meters.length === 0) {
        recordFailedRequest(db, {
          requestId,
          accountId: key.accountId,
          keyId: key.keyId,
          method: req.method,
          path: new URL(req.url).pathname,
          model: attemptedModel,
          httpStatus: error.status,
          code: error.code,
          message: error.message,
        });
      }
      if (error.code !== "service_unavailable") await setCreditHeaders();
      const answer = errorResponse(error, headers);
      obs.responded(answer, meters);
      return answer;
    }
  }
}

function withHeaders(res: Response, extra: Headers): Response {
  try {
    extra.forEach((v, k) => res.headers.set(k, v));
    return res;
  } catch {
    // Immutable headers (a fetched Response passed through): copy into a new one.
    const copy = new Response(res.body, res);
    extra.forEach((v, k) => copy.headers.set(k, v));
    return copy;
  }
}

export function accountFrozenError(owedMicroUsd: bigint, billingUrl: string): ApiError {
  const owed = formatUsd(owedMicroUsd);
  return new ApiError(
    "account_frozen",
    `This account is frozen: a top-up was refunded or disputed after its credit had been spent, leaving ${owed} owed. ` +
      `Add at least ${owed} of credit at ${billingUrl} (the amount owed is paid back first) and the API works again.`,
  );
}
