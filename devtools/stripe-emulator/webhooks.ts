import { createHmac } from "node:crypto";
import type { StripeEvent } from "./objects";

// Webhook delivery as Stripe does it: POST the event JSON to the endpoint with a
// `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the
// whole whsec_ secret>` header, so the real `stripe.webhooks.constructEvent` accepts it.
// Unlike Stripe, tests decide when events go out: "immediate" sends each event right after
// the API call that caused it (asynchronously, like Stripe), "hold" queues them until the
// test calls deliverHeld()/deliver(), in any order and as many times as it likes.

export type DeliveryMode = "immediate" | "hold";

export type DeliveryRecord = {
  eventId: string;
  type: string;
  status: number | null;
  error?: string;
  attempt: number;
};

export function signPayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

export class WebhookDispatcher {
  mode: DeliveryMode = "immediate";
  /** Events waiting in "hold" mode, oldest first. */
  held: StripeEvent[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  private inflight = new Set<Promise<unknown>>();
  private attempts = new Map<string, number>();

  constructor(
    /** The endpoint; a function is asked at each delivery (the app's port may be known only later). */
    public url: string | null | (() => string | null),
    public secret: string,
    private findEvent: (id: string) => StripeEvent | undefined,
    /** Automatic redelivery after a failed attempt (dev servers restart); none in tests. */
    public retryDelaysMs: number[] = [],
  ) {}

  /** Called by the emulator for every new event. */
  enqueue(event: StripeEvent) {
    if (this.mode === "hold") {
      this.held.push(event);
      return;
    }
    void this.track(this.send(event, true));
  }

  /** Sends (or re-sends) one event now, `times` times in a row. */
  async deliver(eventId: string, opts: { times?: number; concurrent?: boolean } = {}): Promise<DeliveryRecord[]> {
    const event = this.findEvent(eventId);
    if (!event) throw new Error(`no such event ${eventId}`);
    this.held = this.held.filter((e) => e.id !== eventId);
    const times = opts.times ?? 1;
    if (opts.concurrent) return Promise.all(Array.from({ length: times }, () => this.track(this.send(event, false))));
    const out: DeliveryRecord[] = [];
    for (let i = 0; i < times; i++) out.push(await this.track(this.send(event, false)));
    return out;
  }

  /** Sends every held event (optionally only some types), in order or reversed. */
  async deliverHeld(opts: { order?: "fifo" | "reverse"; times?: number; types?: string[] } = {}): Promise<DeliveryRecord[]> {
    const picked = this.held.filter((e) => !opts.types || opts.types.includes(e.type));
    if (opts.order === "reverse") picked.reverse();
    const out: DeliveryRecord[] = [];
    for (const e of picked) out.push(...(await this.deliver(e.id, { times: opts.times })));
    return out;
  }

  /** Resolves once no delivery is in flight (tests await this instead of sleeping). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  private async send(event: StripeEvent, autoRetry: boolean): Promise<DeliveryRecord> {
    const attempt = (this.attempts.get(event.id) ?? 0) + 1;
    this.attempts.set(event.id, attempt);
    const url = typeof this.url === "function" ? this.url() : this.url;
    if (!url) {
      const rec = { eventId: event.id, type: event.type, status: null, error: "no webhook endpoint configured", attempt };
      this.deliveries.push(rec);
      return rec;
    }
    // Stripe sends pretty-printed JSON; the signature covers these exact bytes.
    const payload = JSON.stringify(event, null, 2);
    let rec: DeliveryRecord;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "stripe-signature": signPayload(payload, this.secret),
        },
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      rec = { eventId: event.id, type: event.type, status: res.status, attempt };
    } catch (err) {
      rec = { eventId: event.id, type: event.type, status: null, error: String((err as Error).message ?? err), attempt };
    }
    this.deliveries.push(rec);
    const failed = rec.status === null || rec.status < 200 || rec.status >= 300;
    const delay = this.retryDelaysMs[attempt - 1];
    if (failed && autoRetry && delay !== undefined) {
      setTimeout(() => void this.track(this.send(event, true)), delay).unref();
    }
    return rec;
  }
}
