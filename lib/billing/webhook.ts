import Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { readBodyBytes } from "@/lib/api/body";
import { ApiError } from "@/lib/api/errors";
import { creditPaymentIntent, recordEventOnly, recordPaymentState } from "./payments";
import { handleChargeRefunded, handleDisputeClosed, handleDisputeCreated } from "./reversals";

// The Stripe webhook endpoint's logic, kept out of the route file so integration tests can
// drive it with a real database and the emulator. Stripe retries any non-2xx for days,
// which is exactly what we want when crediting fails: answer 500 and let it come back.

/** Stripe's own default: a signature older than five minutes is refused (replay guard). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Stripe's events are a few KiB (the largest objects it sends stay well under 100 KiB); a
 * bigger body is not from Stripe and is refused before it is read to the end.
 */
export const WEBHOOK_MAX_BODY_BYTES = 256 * 1024;

/** Null when payments are off (lib/billing/config.ts): every event is refused. */
export type WebhookDeps = { db: Queryable; stripe: Stripe | null; webhookSecret: string | null; toleranceSeconds?: number };

/**
 * `t=<unix seconds>,v1=<64 hex>` (more v1 for rolled secrets, v0 from test tools), as Stripe
 * sends it. Checked before the body is read, so junk costs no body read and no HMAC.
 */
export function wellFormedSignatureHeader(header: string | null): boolean {
  if (!header || header.length > 1024) return false;
  const parts = header.split(",");
  let t = 0;
  let v1 = 0;
  for (const p of parts) {
    const m = /^(t|v0|v1)=(.+)$/.exec(p.trim());
    if (!m) continue; // Stripe may add schemes; unknown ones are skipped, as its SDK does
    if (m[1] === "t") {
      if (!/^\d{1,12}$/.test(m[2])) return false;
      t++;
    } else if (m[1] === "v1") {
      if (!/^[0-9a-f]{64}$/.test(m[2])) return false;
      v1++;
    }
  }
  return t === 1 && v1 >= 1;
}

const HANDLED = new Set([
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
  "setup_intent.succeeded",
  "charge.refunded",
  "charge.dispute.created",
  "charge.dispute.closed",
  "charge.dispute.funds_reinstated",
]);

const json = (status: number, body: unknown) => Response.json(body, { status });

export async function handleStripeWebhook(req: Request, deps: WebhookDeps): Promise<Response> {
  // Payments off: no secret to check against, and nothing an event could do. Refused
  // whatever it is signed with (an emulator's secret included).
  if (!deps.webhookSecret || !deps.stripe) return json(400, { error: "payments are not configured on this deployment; webhook refused" });
  const signature = req.headers.get("stripe-signature");
  if (!signature) return json(400, { error: "missing Stripe-Signature header" });
  if (!wellFormedSignatureHeader(signature)) return json(400, { error: "malformed Stripe-Signature header: expected t=<timestamp>,v1=<signature>" });
  // The signature covers the exact bytes Stripe sent: read the raw bytes, never re-serialised JSON.
  let payload: Buffer;
  try {
    payload = Buffer.from(await readBodyBytes(req, WEBHOOK_MAX_BODY_BYTES));
  } catch (err) {
    if (err instanceof ApiError) return json(err.status, { error: err.message });
    throw err;
  }
  let event: Stripe.Event;
  try {
    event = deps.stripe.webhooks.constructEvent(payload, signature, deps.webhookSecret, deps.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS);
  } catch (err) {
    // Bad signature, stale timestamp or unparseable body: not from Stripe (or a replay).
    return json(400, { error: `webhook signature verification failed: ${(err as Error).message}` });
  }
  const ref = { id: event.id, type: event.type };
  // A signed event whose object is not an object with an id cannot be acted on; a 500 would
  // only make Stripe redeliver it for days. (Stripe does not send these; a bad deploy of a
  // test tool might.)
  const object = (event as { data?: { object?: unknown } }).data?.object as { id?: unknown } | null | undefined;
  if (HANDLED.has(event.type) && (typeof object !== "object" || object === null || typeof object.id !== "string")) {
    return json(400, { error: `malformed ${event.type} event: data.object must be an object with an id` });
  }
  try {
    switch (event.type) {
      case "payment_intent.succeeded": {
        const r = await creditPaymentIntent(deps.db, event.data.object, { event: ref });
        return json(200, { received: true, credited: r.credited, skipped: r.skipped ?? null });
      }
      case "payment_intent.payment_failed":
      case "payment_intent.canceled": {
        const r = await recordPaymentState(deps.db, event.data.object, { event: ref });
        return json(200, { received: true, recorded: r.recorded });
      }
      case "charge.refunded": {
        const r = await handleChargeRefunded(deps.db, event.data.object, ref);
        return json(200, { received: true, debited: r.debitedMicroUsd.toString(), owed: r.owedMicroUsd.toString(), skipped: r.skipped ?? null });
      }
      case "charge.dispute.created": {
        const r = await handleDisputeCreated(deps.db, event.data.object, ref);
        return json(200, { received: true, debited: r.debitedMicroUsd.toString(), owed: r.owedMicroUsd.toString(), skipped: r.skipped ?? null });
      }
      case "charge.dispute.closed":
      case "charge.dispute.funds_reinstated": {
        const r = await handleDisputeClosed(deps.db, event.data.object, ref);
        return json(200, {
          received: true,
          unowed: r.unowedMicroUsd.toString(),
          credited: r.creditedMicroUsd.toString(),
          owed: r.owedMicroUsd.toString(),
          skipped: r.skipped ?? null,
        });
      }
      case "setup_intent.succeeded":
        // Saved cards are read from Stripe when the billing page loads; just note the event.
        await recordEventOnly(deps.db, ref, event.data.object.id);
        return json(200, { received: true });
      default:
        return json(200, { received: true, ignored: event.type });
    }
  } catch (err) {
    console.error(`[billing] webhook ${event.id} (${event.type}) failed; Stripe will redeliver:`, err);
    return json(500, { error: "webhook handling failed; retry" });
  }
}
