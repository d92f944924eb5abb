import type { TestCard } from "./cards";
import { badRequest, notFound } from "./errors";
import { str, type FormObject } from "./form";
import {
  nowSeconds,
  snapshot,
  stripeId,
  type Customer,
  type PaymentIntent,
  type PaymentMethod,
  type SetupIntent,
  type StripeEvent,
  type TaxId,
} from "./objects";
import type { Charge, Dispute, Refund } from "./refunds";

// The emulator's state and the few operations every resource needs (lookups that answer
// Stripe's 404, events, 3-D Secure's next_action). Resource logic lives in customers.ts,
// tax-ids.ts, payment-methods.ts, setup-intents.ts, payment-intents.ts and three-d-secure.ts.

export type KeyKind = "secret" | "publishable";
/** One API request as the resource handlers see it. */
export type Ctx = { key: KeyKind; form: FormObject; requestId: string; idempotencyKey: string | null };
/** What the emulator knows about a card beyond Stripe's object (never the number). */
export type Internal = { card: TestCard; setupAuthenticated: boolean };

export type StoreConfig = { apiVersion: string; publicUrl: string; webhookUrl: unknown };

export class Store {
  customers = new Map<string, Customer>();
  paymentMethods = new Map<string, PaymentMethod>();
  setupIntents = new Map<string, SetupIntent>();
  paymentIntents = new Map<string, PaymentIntent>();
  internal = new Map<string, Internal>();
  charges = new Map<string, Charge>();
  refunds = new Map<string, Refund>();
  disputes = new Map<string, Dispute>();
  taxIds = new Map<string, TaxId>();
  events: StripeEvent[] = [];
  /** The request being handled, for events' `request` field. */
  protected current: Ctx | null = null;

  constructor(
    readonly config: StoreConfig,
    private readonly onEvent: (event: StripeEvent) => void,
  ) {}

  customer(id: string, param = "id"): Customer {
    const c = this.customers.get(id);
    if (!c) throw notFound("customer", id, param);
    return c;
  }

  paymentMethod(id: string, param = "id"): PaymentMethod {
    const pm = this.paymentMethods.get(id);
    if (!pm) throw notFound("PaymentMethod", id, param);
    return pm;
  }

  setupIntent(id: string): SetupIntent {
    const si = this.setupIntents.get(id);
    if (!si) throw notFound("setup_intent", id);
    return si;
  }

  paymentIntent(id: string): PaymentIntent {
    const pi = this.paymentIntents.get(id);
    if (!pi) throw notFound("payment_intent", id);
    return pi;
  }

  cardOf(pm: PaymentMethod): Internal {
    return this.internal.get(pm.id)!;
  }

  emit(type: string, object: unknown) {
    const event: StripeEvent = {
      id: stripeId("evt"),
      object: "event",
      api_version: this.config.apiVersion,
      created: nowSeconds(),
      data: { object: snapshot(object) },
      livemode: false,
      pending_webhooks: this.config.webhookUrl ? 1 : 0,
      request: { id: this.current?.requestId ?? null, idempotency_key: this.current?.idempotencyKey ?? null },
      type,
    };
    this.events.push(event);
    this.onEvent(event);
  }

  /** With a publishable key, an intent can only be read or confirmed with its client secret. */
  checkSecret<T extends { client_secret: string; object: string }>(ctx: Ctx, intent: T): T {
    if (ctx.key === "secret") return intent;
    const given = str(ctx.form, "client_secret");
    if (given !== intent.client_secret) {
      const kind = intent.object === "setup_intent" ? "SetupIntent" : "PaymentIntent";
      throw badRequest(`The client_secret provided does not match the client_secret associated with the ${kind}.`, "resource_missing", "client_secret");
    }
    delete ctx.form.client_secret;
    return intent;
  }

  /** 3-D Secure: the intent waits for the browser (Stripe.js) to run the challenge. */
  requireAction<T extends SetupIntent | PaymentIntent>(intent: T, eventType: string): T {
    intent.status = "requires_action";
    intent.next_action = {
      type: "use_stripe_sdk",
      use_stripe_sdk: {
        type: "three_d_secure_redirect",
        stripe_js: `${this.config.publicUrl}/_emulator/3ds/${intent.id}`,
        source: stripeId("src"),
      },
    };
    this.emit(eventType, intent);
    return intent;
  }
}
