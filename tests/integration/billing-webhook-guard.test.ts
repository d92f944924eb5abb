import { describe, expect, it } from "vitest";
import { generateEmulatorKeys } from "@/devtools/stripe-emulator/defaults";
import { signPayload } from "@/devtools/stripe-emulator/webhooks";
import { createStripeClient } from "@/lib/billing/stripe";
import { handleStripeWebhook, WEBHOOK_MAX_BODY_BYTES, wellFormedSignatureHeader } from "@/lib/billing/webhook";
import type { Queryable } from "@/db/client";

// Issue 13 items 1 and 9: the webhook checks the Stripe-Signature header is there and well
// formed before it reads the body, reads at most WEBHOOK_MAX_BODY_BYTES, and with payments
// off refuses everything. None of these cases reaches the database: a database that
// throws on any use proves it.

const keys = generateEmulatorKeys();
const stripe = createStripeClient({ secretKey: keys.secretKey, emulatorUrl: "http://127.0.0.1:9" });
const noDb = new Proxy(
  {},
  {
    get: () => {
      throw new Error("the database must not be touched");
    },
  },
) as unknown as Queryable;

/** A body that records how much of it was read. */
function trackedBody(totalBytes: number) {
  const state = { pulledBytes: 0 };
  const chunk = new Uint8Array(16 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (state.pulledBytes >= totalBytes) return c.close();
        state.pulledBytes += chunk.byteLength;
        c.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  ); // pulled only when read
  return { stream, state };
}

const request = (body: BodyInit, signature?: string, headers: Record<string, string> = {}) =>
  new Request("http://app.test/api/stripe/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature === undefined ? {} : { "stripe-signature": signature }), ...headers },
    body,
    duplex: "half",
  } as RequestInit);

describe("Stripe-Signature header check", () => {
  it("accepts Stripe's format and rejects anything else", () => {
    const good = signPayload("{}", keys.webhookSecret);
    expect(wellFormedSignatureHeader(good)).toBe(true);
    expect(wellFormedSignatureHeader(`${good},v1=${"a".repeat(64)},v0=${"b".repeat(64)}`)).toBe(true);
    for (const bad of [
      null,
      "",
      "t=",
      "v1=",
      "garbage",
      "t=abc,v1=def",
      `t=1,v1=${"0".repeat(63)}`,
      `t=1,t=2,v1=${"0".repeat(64)}`,
      `v1=${"0".repeat(64)}`,
      `t=1,v1=${"Z".repeat(64)}`,
      `t=1,v1=${"0".repeat(64)},${"x".repeat(2000)}`,
    ]) {
      expect(wellFormedSignatureHeader(bad), String(bad)).toBe(false);
    }
  });

  it("a missing or malformed header is refused before a byte of the body is read", async () => {
    for (const sig of [undefined, "garbage", "t=1,v1=short"]) {
      const { stream, state } = trackedBody(1024 * 1024);
      const res = await handleStripeWebhook(request(stream, sig), { db: noDb, stripe, webhookSecret: keys.webhookSecret });
      expect(res.status, String(sig)).toBe(400);
      expect(state.pulledBytes, String(sig)).toBe(0);
    }
  });

  it("a body over the cap is refused with 413, declared or not, without reading it to the end", async () => {
    const sig = signPayload("{}", keys.webhookSecret);
    const declared = await handleStripeWebhook(request("x".repeat(WEBHOOK_MAX_BODY_BYTES + 1), sig), { db: noDb, stripe, webhookSecret: keys.webhookSecret });
    expect(declared.status).toBe(413);
    const { stream, state } = trackedBody(10 * WEBHOOK_MAX_BODY_BYTES);
    const streamed = await handleStripeWebhook(request(stream, sig), { db: noDb, stripe, webhookSecret: keys.webhookSecret });
    expect(streamed.status).toBe(413);
    expect(state.pulledBytes).toBeLessThan(2 * WEBHOOK_MAX_BODY_BYTES);
  });
});

describe("payments off", () => {
  it("refuses events signed with any secret, the old repository constant included", async () => {
    const payload = JSON.stringify({ id: "evt_1", object: "event", type: "payment_intent.succeeded", data: { object: { id: "pi_1" } } });
    for (const secret of ["whsec_emulator_0000000000000000000000000000", keys.webhookSecret, generateEmulatorKeys().webhookSecret]) {
      const res = await handleStripeWebhook(request(payload, signPayload(payload, secret)), { db: noDb, stripe: null, webhookSecret: null });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("payments are not configured");
    }
  });

  it("with the installation's secret, an event signed with the old constant is refused", async () => {
    const payload = JSON.stringify({ id: "evt_2", object: "event", type: "payment_intent.succeeded", data: { object: { id: "pi_2" } } });
    const res = await handleStripeWebhook(request(payload, signPayload(payload, "whsec_emulator_0000000000000000000000000000")), {
      db: noDb,
      stripe,
      webhookSecret: keys.webhookSecret,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("signature verification failed");
  });
});
