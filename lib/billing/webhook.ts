import Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { creditPaymentIntent, recordEventOnly, recordPaymentState } from "./payments";

// The Stripe webhook endpoint's logic, kept out of the route file so integration tests can
// drive it with a real database and the emulator. Stripe retries any non-2xx for days,
// which is exactly what we want when crediting fails: answer 500 and let it come back.

/** Stripe's own default: a signature older than five minutes is refused (replay guard). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookDeps = { db: Queryable; stripe: Stripe; webhookSecret: string; toleranceSeconds?: number };

const HANDLED = new Set(["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "setup_intent.succeeded"]);

const json = (status: number, body: unknown) => Response.json(body, { status });

export async function handleStripeWebhook(req: Request, deps: WebhookDeps): Promise<Response> {
  const signature = req.headers.get("stripe-signature");
  // The signature covers the exact bytes Stripe sent: read the raw text, never re-serialised JSON.
  const payload = await req.text();
  if (!signature) return json(400, { error: "missing Stripe-Signature header" });
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
