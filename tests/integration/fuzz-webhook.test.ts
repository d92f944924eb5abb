import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { createStripeClient } from "@/lib/billing/stripe";
import { handleStripeWebhook, WEBHOOK_MAX_BODY_BYTES } from "@/lib/billing/webhook";
import { generateEmulatorKeys } from "@/devtools/stripe-emulator/defaults";
import { signPayload } from "@/devtools/stripe-emulator/webhooks";
import { makeAccount } from "@/tests/helpers/accounts";
import { integrationApp } from "@/tests/helpers/fixture";

// Issue 8, points 3 and 5: the Stripe webhook route under generated input. Whatever the
// body (random JSON, bytes, invalid UTF-8, huge) and whatever the Stripe-Signature header
// (missing, garbled, signed with another secret, stale, signed over other bytes, one
// hex digit off), the answer is a 400 and no money moves. Correctly signed events
// with random shapes are never a 5xx (Stripe would retry them for days) and never credit
// anything they should not: only a real succeeded PaymentIntent of a known customer can.

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const app = integrationApp();
let calls = 0;

beforeAll(async () => {
  await makeAccount(app.db); // one account with its $10 grant: the only ledger entry there may be
});
afterAll(async () => {
  console.log(`[fuzz-webhook] ${calls} generated webhook posts, no money moved`);
});

async function post(body: BodyInit, signature: string | null, contentType = "application/json") {
  calls++;
  const headers: Record<string, string> = { "content-type": contentType };
  if (signature !== null) headers["stripe-signature"] = signature;
  // The route (app/api/stripe/webhook/route.ts) is this call with the app's database and
  // config; it imports "server-only", which does not load outside Next.
  const res = await handleStripeWebhook(new Request("http://app.test/api/stripe/webhook", { method: "POST", headers, body }), {
    db: app.db,
    stripe,
    webhookSecret: secret,
  });
  return { status: res.status, text: await res.text() };
}

async function noMoneyMoved() {
  const [r] = await rows<{ entries: number; sum: string; events: number }>(
    app.db,
    sql`select count(*)::int as entries, coalesce(sum(amount_micro_usd), 0)::text as sum,
               (select count(*)::int from stripe_events) as events
          from ledger_entries`,
  );
  expect(r).toEqual({ entries: 1, sum: "10000000", events: 0 });
}

const keys = generateEmulatorKeys();
const secret = keys.webhookSecret;
// Only constructEvent is used, which works offline; the URL is never reached.
const stripe = createStripeClient({ secretKey: keys.secretKey, emulatorUrl: "http://127.0.0.1:9" });
const webhookSecret = () => secret;
const now = () => Math.floor(Date.now() / 1000);
const eventJson = fc.record({
  id: fc.string({ maxLength: 20 }).map((s) => `evt_${s}`),
  object: fc.constant("event"),
  type: fc.constantFrom("payment_intent.succeeded", "payment_intent.payment_failed", "setup_intent.succeeded", "charge.refunded", "x"),
  data: fc.record({ object: fc.jsonValue({ maxDepth: 3 }) }),
});
const body = fc.oneof(
  eventJson.map((e) => JSON.stringify(e)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from([0xff, ...b]).toString("latin1")),
  fc.integer({ min: 100_000, max: 400_000 }).map((n) => JSON.stringify({ id: "evt_big", pad: "x".repeat(n) })),
);

describe(`Stripe webhook under generated input (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("missing, garbled, wrong-secret, stale, mismatched signatures: always 400, no money moves", { timeout: 60_000 }, async () => {
    const secret = webhookSecret();
    const signature = (payload: string) =>
      fc.oneof(
        fc.constant(null),
        fc.constantFrom("", "t=", "v1=", "t=abc,v1=def", "garbage", "t=1,v1=" + "0".repeat(64)),
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 120 }),
        fc.string({ minLength: 8, maxLength: 20 }).map((s) => signPayload(payload, `whsec_${s}`)), // another secret
        fc.integer({ min: 301, max: 10 ** 7 }).map((age) => signPayload(payload, secret, now() - age)), // stale (> 5 min)
        fc.string({ maxLength: 50 }).map((other) => signPayload(payload + other + " ", secret)), // signed over other bytes
        fc.constant(0).map(() => signPayload(payload, secret).replace(/v1=./, (m) => (m.endsWith("0") ? "v1=1" : "v1=0"))), // one hex digit off
      );
    await fc.assert(
      fc.asyncProperty(
        body.chain((b) => signature(b).map((sig) => ({ b, sig }))),
        fc.constantFrom("application/json", "text/plain", ""),
        async ({ b, sig }, ct) => {
          const r = await post(b, sig, ct);
          // Over the body cap a well-formed header gets 413 instead (the body is refused unread).
          const allowed = Buffer.byteLength(b) > WEBHOOK_MAX_BODY_BYTES ? [400, 413] : [400];
          expect(allowed, `${sig} -> ${r.status} ${r.text.slice(0, 200)}`).toContain(r.status);
          expect(JSON.parse(r.text)).toHaveProperty("error");
          await noMoneyMoved();
        },
      ),
      { numRuns: 800, seed, endOnFailure: true },
    );
  });

  it("correctly signed events of random shape: never a 5xx, never a credit", { timeout: 60_000 }, async () => {
    const secret = webhookSecret();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          eventJson,
          // A "succeeded" PaymentIntent with random fields: no known customer, so nothing may be credited.
          fc.record({
            id: fc.string({ maxLength: 12 }).map((s) => `evt_${s}`),
            object: fc.constant("event"),
            type: fc.constant("payment_intent.succeeded"),
            data: fc.record({
              object: fc.record(
                {
                  id: fc.oneof(
                    fc.string({ maxLength: 12 }).map((s) => `pi_${s}`),
                    fc.jsonValue({ maxDepth: 1 }),
                  ),
                  object: fc.constant("payment_intent"),
                  status: fc.oneof(fc.constant("succeeded"), fc.string({ maxLength: 10 })),
                  amount_received: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
                  currency: fc.oneof(fc.constant("usd"), fc.string({ maxLength: 4 }), fc.integer()),
                  customer: fc.oneof(
                    fc.string({ maxLength: 12 }).map((s) => `cus_${s}`),
                    fc.constant(null),
                    fc.jsonValue({ maxDepth: 1 }),
                  ),
                  metadata: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 1 })),
                },
                { requiredKeys: ["id", "object", "status"] },
              ),
            }),
          }),
        ),
        async (event) => {
          const payload = JSON.stringify(event);
          const r = await post(payload, signPayload(payload, secret));
          expect(r.status, r.text.slice(0, 300)).toBeLessThan(500);
          const [c] = await rows<{ n: number }>(app.db, sql`select count(*)::int as n from ledger_entries where kind = 'topup'`);
          expect(c.n).toBe(0);
        },
      ),
      { numRuns: 400, seed, endOnFailure: true },
    );
  });
});
