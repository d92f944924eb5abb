import { createHash } from "node:crypto";
import { checkCard, type TestCard } from "./cards";
import { bool, int, metadata, obj, ParamError, parseStripeForm, requireStr, str, type FormObject } from "./form";
import {
  list,
  nowSeconds,
  snapshot,
  stripeId,
  type Customer,
  type PaymentIntent,
  type PaymentMethod,
  type SetupIntent,
  type StripeErrorBody,
  type StripeEvent,
} from "./objects";
import { WebhookDispatcher } from "./webhooks";

// An in-memory Stripe (test mode) for the API calls this app makes. Requests are the
// form-encoded bodies every Stripe client sends; answers are Stripe's JSON objects and
// error shapes. It is a test double: small, readable, and honest about what it covers
// (customers, payment methods, SetupIntents, PaymentIntents, events). See README.md.

export { EMULATOR_DEFAULTS } from "./defaults";

export type EmulatorConfig = {
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
  /** The emulator's URL as browsers see it (3-D Secure pages, next_action). */
  publicUrl: string;
  webhookUrl: string | null | (() => string | null);
  apiVersion: string;
  webhookRetryDelaysMs?: number[];
};

export type ApiRequest = {
  method: string;
  /** Path without the query string, e.g. "/v1/customers/cus_123". */
  path: string;
  query: string;
  body: string;
  authorization?: string | null;
  idempotencyKey?: string | null;
};

export type ApiResponse = { status: number; body: unknown; headers: Record<string, string> };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
  ) {
    super(error.message);
  }
}

type KeyKind = "secret" | "publishable";
type Ctx = { key: KeyKind; form: FormObject; requestId: string; idempotencyKey: string | null };
type Handler = (ctx: Ctx, id: string) => unknown;
type Internal = { card: TestCard; setupAuthenticated: boolean };

const notFound = (kind: string, id: string, param = "id") =>
  new HttpError(404, { type: "invalid_request_error", code: "resource_missing", param, message: `No such ${kind}: '${id}'` });
const badRequest = (message: string, code?: string, param?: string) =>
  new HttpError(400, { type: "invalid_request_error", code, param, message });

export class StripeEmulator {
  customers = new Map<string, Customer>();
  paymentMethods = new Map<string, PaymentMethod>();
  setupIntents = new Map<string, SetupIntent>();
  paymentIntents = new Map<string, PaymentIntent>();
  events: StripeEvent[] = [];
  /** What the emulator knows about a card beyond Stripe's object (never the number). */
  private internal = new Map<string, Internal>();
  private idempotent = new Map<string, { fingerprint: string; response: ApiResponse }>();
  private current: Ctx | null = null;
  readonly webhooks: WebhookDispatcher;
  private routes: Array<{ method: string; pattern: RegExp; handler: Handler; publishable?: boolean }>;

  constructor(readonly config: EmulatorConfig) {
    this.webhooks = new WebhookDispatcher(
      config.webhookUrl,
      config.webhookSecret,
      (id) => this.events.find((e) => e.id === id),
      config.webhookRetryDelaysMs ?? [],
    );
    const r = (method: string, path: string, handler: Handler, publishable = false) => ({
      method,
      pattern: new RegExp(`^${path.replace(":id", "([A-Za-z0-9_]+)")}$`),
      handler,
      publishable,
    });
    this.routes = [
      r("POST", "/v1/customers", (c) => this.createCustomer(c)),
      r("GET", "/v1/customers/:id", (_c, id) => this.customer(id)),
      r("POST", "/v1/customers/:id", (c, id) => this.updateCustomer(c, id)),
      r("GET", "/v1/customers/:id/payment_methods", (c, id) => this.listPaymentMethods(c, this.customer(id).id)),
      r("POST", "/v1/payment_methods", (c) => this.createPaymentMethod(c.form), true),
      r("GET", "/v1/payment_methods", (c) => this.listPaymentMethods(c, requireStr(c.form, "customer"))),
      r("GET", "/v1/payment_methods/:id", (_c, id) => this.paymentMethod(id)),
      r("POST", "/v1/payment_methods/:id/attach", (c, id) => this.attach(this.paymentMethod(id), requireStr(c.form, "customer"))),
      r("POST", "/v1/payment_methods/:id/detach", (_c, id) => this.detach(this.paymentMethod(id))),
      r("POST", "/v1/setup_intents", (c) => this.createSetupIntent(c)),
      r("GET", "/v1/setup_intents/:id", (c, id) => this.checkSecret(c, this.setupIntent(id)), true),
      r("POST", "/v1/setup_intents/:id/confirm", (c, id) => this.confirmSetup(c, this.checkSecret(c, this.setupIntent(id))), true),
      r("POST", "/v1/payment_intents", (c) => this.createPaymentIntent(c)),
      r("GET", "/v1/payment_intents/:id", (c, id) => this.checkSecret(c, this.paymentIntent(id)), true),
      r("POST", "/v1/payment_intents/:id/confirm", (c, id) => this.confirmPayment(c, this.checkSecret(c, this.paymentIntent(id))), true),
      r("POST", "/v1/payment_intents/:id/cancel", (_c, id) => this.cancelPayment(this.paymentIntent(id))),
      r("GET", "/v1/events", (c) => this.listEvents(c)),
      r("GET", "/v1/events/:id", (_c, id) => this.event(id)),
      // Not Stripe: the stand-in's 3-D Secure dialog reports the user's choice here.
      r("POST", "/_emulator/3ds/:id", (c, id) => this.authenticate(c, id), true),
    ];
  }

  /** Handles one API request: authentication, idempotency, routing, errors. Synchronous. */
  handle(req: ApiRequest): ApiResponse {
    const requestId = stripeId("req", 14);
    const headers = { "request-id": requestId, "stripe-version": this.config.apiVersion };
    try {
      const form = { ...parseStripeForm(req.query), ...parseStripeForm(req.body) };
      const key = this.authenticateKey(req.authorization, form);
      const route = this.routes.find((x) => x.method === req.method && x.pattern.test(req.path));
      if (!route) throw new HttpError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${req.path}).` });
      if (key.kind === "publishable" && !route.publishable) {
        throw new HttpError(401, { type: "invalid_request_error", message: "This API call cannot be made with a publishable API key. Please use a secret API key." });
      }
      const idemKey = req.method === "POST" ? (req.idempotencyKey ?? null) : null;
      const slot = idemKey ? `${key.value}\u0000${idemKey}` : null;
      const fingerprint = `${req.method} ${req.path} ${req.body}`;
      if (slot) {
        const prior = this.idempotent.get(slot);
        if (prior && prior.fingerprint !== fingerprint) {
          throw new HttpError(400, {
            type: "idempotency_error",
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          });
        }
        if (prior) return { ...prior.response, headers: { ...prior.response.headers, "idempotent-replayed": "true" } };
      }
      const ctx: Ctx = { key: key.kind, form, requestId, idempotencyKey: idemKey };
      let response: ApiResponse;
      this.current = ctx;
      try {
        const match = route.pattern.exec(req.path)!;
        response = { status: 200, body: snapshot(route.handler(ctx, match[1])), headers };
      } catch (err) {
        if (!(err instanceof HttpError) && !(err instanceof ParamError)) throw err;
        response = errorResponse(err, headers);
      } finally {
        this.current = null;
      }
      // Stripe saves the outcome of any request that ran, errors included (a decline
      // replays as the same decline), so a retried request never charges twice.
      if (slot) this.idempotent.set(slot, { fingerprint, response });
      return response;
    } catch (err) {
      if (err instanceof HttpError || err instanceof ParamError) return errorResponse(err, headers);
      console.error("[stripe-emulator]", err);
      return { status: 500, body: { error: { type: "api_error", message: "An unknown error occurred" } }, headers };
    }
  }

  reset() {
    for (const m of [this.customers, this.paymentMethods, this.setupIntents, this.paymentIntents, this.internal, this.idempotent]) m.clear();
    this.events = [];
    this.webhooks.held = [];
  }

  // ---- authentication -------------------------------------------------------------------

  private authenticateKey(header: string | null | undefined, form: FormObject): { kind: KeyKind; value: string } {
    let value: string | undefined;
    if (header?.startsWith("Bearer ")) value = header.slice(7).trim();
    else if (header?.startsWith("Basic ")) value = Buffer.from(header.slice(6), "base64").toString().split(":")[0];
    else if (typeof form.key === "string") value = form.key; // how Stripe.js sends its publishable key
    delete form.key;
    if (!value) {
      throw new HttpError(401, {
        type: "invalid_request_error",
        message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
    }
    if (value === this.config.secretKey) return { kind: "secret", value };
    if (value === this.config.publishableKey) return { kind: "publishable", value };
    throw new HttpError(401, {
      type: "invalid_request_error",
      code: "api_key_invalid",
      message: `Invalid API Key provided: ${value.slice(0, 8)}${"*".repeat(Math.max(0, value.length - 12))}${value.slice(-4)}`,
    });
  }

  /** With a publishable key, an intent can only be read or confirmed with its client secret. */
  private checkSecret<T extends { client_secret: string; object: string }>(ctx: Ctx, intent: T): T {
    if (ctx.key === "secret") return intent;
    const given = str(ctx.form, "client_secret");
    if (given !== intent.client_secret) {
      throw badRequest(`The client_secret provided does not match the client_secret associated with the ${intent.object === "setup_intent" ? "SetupIntent" : "PaymentIntent"}.`, "resource_missing", "client_secret");
    }
    delete ctx.form.client_secret;
    return intent;
  }

  // ---- events ----------------------------------------------------------------------------

  private emit(type: string, object: unknown) {
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
    this.webhooks.enqueue(event);
  }

  private event(id: string) {
    return this.events.find((e) => e.id === id) ?? (() => { throw notFound("event", id); })();
  }

  private listEvents(ctx: Ctx) {
    const type = str(ctx.form, "type");
    const data = this.events.filter((e) => !type || e.type === type).reverse();
    return list("/v1/events", data, int(ctx.form, "limit") ?? 10);
  }

  // ---- customers -------------------------------------------------------------------------

  customer(id: string): Customer {
    return this.customers.get(id) ?? (() => { throw notFound("customer", id); })();
  }

  private createCustomer(ctx: Ctx): Customer {
    const f = ctx.form;
    const c: Customer = {
      id: stripeId("cus", 14),
      object: "customer",
      created: nowSeconds(),
      email: str(f, "email") ?? null,
      name: str(f, "name") ?? null,
      description: str(f, "description") ?? null,
      metadata: metadata(f),
      invoice_settings: { default_payment_method: null, custom_fields: null, footer: null, rendering_options: null },
      livemode: false,
      currency: null,
      balance: 0,
      delinquent: false,
    };
    this.customers.set(c.id, c);
    const pm = str(f, "payment_method");
    if (pm) this.attach(this.paymentMethod(pm, "payment_method"), c.id);
    this.emit("customer.created", c);
    this.applyInvoiceSettings(c, f);
    return c;
  }

  private updateCustomer(ctx: Ctx, id: string): Customer {
    const c = this.customer(id);
    const f = ctx.form;
    for (const k of ["email", "name", "description"] as const) {
      const v = str(f, k);
      if (v !== undefined) c[k] = v === "" ? null : v;
    }
    c.metadata = metadata(f, c.metadata);
    this.applyInvoiceSettings(c, f);
    this.emit("customer.updated", c);
    return c;
  }

  private applyInvoiceSettings(c: Customer, f: FormObject) {
    const pm = str(obj(f, "invoice_settings") ?? {}, "default_payment_method");
    if (pm === undefined) return;
    if (pm !== "" && this.paymentMethods.get(pm)?.customer !== c.id) {
      throw badRequest(`No such PaymentMethod: '${pm}'; It does not belong to this customer.`, "resource_missing", "invoice_settings[default_payment_method]");
    }
    c.invoice_settings.default_payment_method = pm || null;
  }

  // ---- payment methods -------------------------------------------------------------------

  paymentMethod(id: string, param = "id"): PaymentMethod {
    return this.paymentMethods.get(id) ?? (() => { throw notFound("PaymentMethod", id, param); })();
  }

  private createPaymentMethod(f: FormObject): PaymentMethod {
    if ((str(f, "type") ?? "card") !== "card") throw badRequest("The emulator only supports type=card.", "parameter_invalid", "type");
    const card = obj(f, "card");
    if (!card) throw new ParamError("card", "Missing required param: card.", "parameter_missing");
    const number = requireStr(card, "number");
    const checked = checkCard({
      number,
      expMonth: Number(requireStr(card, "exp_month")),
      expYear: Number(requireStr(card, "exp_year")),
      cvc: str(card, "cvc"),
    });
    if (!checked.ok) {
      throw new HttpError(402, { type: "card_error", code: checked.code, decline_code: checked.declineCode, param: checked.param, message: checked.message });
    }
    const billing = obj(f, "billing_details") ?? {};
    const expYear = Number(card.exp_year);
    const pm: PaymentMethod = {
      id: stripeId("pm"),
      object: "payment_method",
      type: "card",
      created: nowSeconds(),
      customer: null,
      livemode: false,
      metadata: metadata(f),
      billing_details: { address: null, email: str(billing, "email") ?? null, name: str(billing, "name") ?? null, phone: null },
      card: {
        brand: checked.card.brand,
        display_brand: checked.card.brand,
        last4: checked.last4,
        exp_month: Number(card.exp_month),
        exp_year: expYear < 100 ? 2000 + expYear : expYear,
        funding: checked.card.funding,
        country: "US",
        // Stripe's fingerprint identifies a card number without revealing it.
        fingerprint: createHash("sha256").update(`emulator:${number.replace(/\D/g, "")}`).digest("base64url").slice(0, 16),
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: card.cvc ? "pass" : "unchecked" },
        three_d_secure_usage: { supported: true },
        networks: { available: [checked.card.brand], preferred: null },
        wallet: null,
        generated_from: null,
      },
    };
    this.paymentMethods.set(pm.id, pm);
    this.internal.set(pm.id, { card: checked.card, setupAuthenticated: false });
    return pm;
  }

  private cardOf(pm: PaymentMethod): Internal {
    return this.internal.get(pm.id)!;
  }

  private attach(pm: PaymentMethod, customerId: string): PaymentMethod {
    this.customer(customerId);
    if (pm.customer === customerId) return pm;
    if (pm.customer) throw badRequest("The payment method you provided has already been attached to a customer.", "payment_method_unexpected_state");
    const card = this.cardOf(pm).card;
    // Attaching runs a card check; a card that always declines cannot be saved.
    if (card.behavior === "decline") throw new HttpError(402, declineError(card, pm));
    pm.customer = customerId;
    this.emit("payment_method.attached", pm);
    return pm;
  }

  private detach(pm: PaymentMethod): PaymentMethod {
    if (!pm.customer) {
      throw badRequest(`The payment method you provided is not attached to a customer so detachment is impossible.`, "payment_method_unexpected_state");
    }
    const c = this.customers.get(pm.customer);
    if (c?.invoice_settings.default_payment_method === pm.id) c.invoice_settings.default_payment_method = null;
    pm.customer = null;
    this.emit("payment_method.detached", pm);
    return pm;
  }

  private listPaymentMethods(ctx: Ctx, customerId: string) {
    this.customer(customerId);
    const type = str(ctx.form, "type");
    const data = [...this.paymentMethods.values()]
      .filter((pm) => pm.customer === customerId && (!type || pm.type === type))
      .sort((a, b) => b.created - a.created);
    return list("/v1/payment_methods", data, int(ctx.form, "limit") ?? 10);
  }

  /** The payment method a confirm call names, inline card data included (payment_method_data). */
  private paymentMethodFor(f: FormObject, current: string | null, customer: string | null): PaymentMethod | null {
    const data = obj(f, "payment_method_data");
    const id = data ? this.createPaymentMethod(data).id : (str(f, "payment_method") ?? current);
    if (!id) return null;
    const pm = this.paymentMethod(id, "payment_method");
    if (pm.customer && pm.customer !== customer) {
      throw badRequest(
        customer
          ? `The provided PaymentMethod was previously attached to a different Customer.`
          : `The provided PaymentMethod belongs to a Customer, but you did not provide a Customer ID. Please provide the Customer ID to use this PaymentMethod.`,
        "payment_method_unexpected_state",
        "payment_method",
      );
    }
    return pm;
  }

  // ---- SetupIntents ----------------------------------------------------------------------

  setupIntent(id: string): SetupIntent {
    return this.setupIntents.get(id) ?? (() => { throw notFound("setup_intent", id); })();
  }

  private createSetupIntent(ctx: Ctx): SetupIntent {
    const f = ctx.form;
    const customer = str(f, "customer") ?? null;
    if (customer) this.customer(customer);
    const id = stripeId("seti");
    const usage = str(f, "usage") ?? "off_session";
    if (usage !== "off_session" && usage !== "on_session") throw badRequest("Invalid usage", "parameter_invalid", "usage");
    const si: SetupIntent = {
      id,
      object: "setup_intent",
      client_secret: `${id}_secret_${stripeId("x").slice(2)}`,
      created: nowSeconds(),
      customer,
      description: str(f, "description") ?? null,
      last_setup_error: null,
      latest_attempt: null,
      livemode: false,
      metadata: metadata(f),
      next_action: null,
      payment_method: null,
      payment_method_types: ["card"],
      allowed_payment_method_types: allowedTypes(f),
      excluded_payment_method_types: null,
      automatic_payment_methods: null,
      status: "requires_payment_method",
      usage,
      cancellation_reason: null,
    };
    const pm = this.paymentMethodFor(f, null, customer);
    if (pm) {
      si.payment_method = pm.id;
      si.status = "requires_confirmation";
    }
    this.setupIntents.set(id, si);
    this.emit("setup_intent.created", si);
    return bool(f, "confirm") ? this.confirmSetup({ ...ctx, form: {} }, si) : si;
  }

  private confirmSetup(ctx: Ctx, si: SetupIntent): SetupIntent {
    if (si.status === "succeeded" || si.status === "canceled") {
      throw new HttpError(400, {
        type: "invalid_request_error",
        code: "setup_intent_unexpected_state",
        message: `You cannot confirm this SetupIntent because it has a status of ${si.status}.`,
        setup_intent: snapshot(si),
      });
    }
    const pm = this.paymentMethodFor(ctx.form, si.payment_method, si.customer);
    if (!pm) throw badRequest("You cannot confirm this SetupIntent because it's missing a payment method.", "setup_intent_unexpected_state", "payment_method");
    si.payment_method = pm.id;
    si.last_setup_error = null;
    si.latest_attempt = stripeId("setatt");
    const { card } = this.cardOf(pm);
    if (card.behavior === "decline") {
      si.status = "requires_payment_method";
      si.last_setup_error = declineError(card, pm);
      this.emit("setup_intent.setup_failed", si);
      throw new HttpError(402, { ...declineError(card, pm), setup_intent: snapshot(si) });
    }
    if (card.behavior === "authenticate_always" || card.behavior === "authenticate_unless_setup") {
      return this.requireAction(si, "setup_intent.requires_action");
    }
    return this.completeSetup(si, pm);
  }

  private completeSetup(si: SetupIntent, pm: PaymentMethod): SetupIntent {
    si.status = "succeeded";
    si.next_action = null;
    if (si.customer) this.attach(pm, si.customer);
    // A card set up for later use is what lets "authenticate unless set up" cards pay off-session.
    this.cardOf(pm).setupAuthenticated = true;
    this.emit("setup_intent.succeeded", si);
    return si;
  }

  private requireAction<T extends SetupIntent | PaymentIntent>(intent: T, eventType: string): T {
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

  // ---- PaymentIntents --------------------------------------------------------------------

  paymentIntent(id: string): PaymentIntent {
    return this.paymentIntents.get(id) ?? (() => { throw notFound("payment_intent", id); })();
  }

  private createPaymentIntent(ctx: Ctx): PaymentIntent {
    const f = ctx.form;
    const amount = int(f, "amount");
    if (amount === undefined) throw new ParamError("amount", "Missing required param: amount.", "parameter_missing");
    const currency = requireStr(f, "currency").toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) throw badRequest(`Invalid currency: ${currency}.`, "parameter_invalid", "currency");
    if (amount < 50) throw badRequest(`Amount must be at least $0.50 ${currency}`, "amount_too_small", "amount");
    if (amount > 99_999_999) throw badRequest("Amount must be no more than $999,999.99", "amount_too_large", "amount");
    const customer = str(f, "customer") ?? null;
    if (customer) {
      if (!this.customers.has(customer)) throw notFound("customer", customer, "customer");
    }
    const confirm = bool(f, "confirm") ?? false;
    const offSession = bool(f, "off_session") ?? false;
    if (offSession && !confirm) throw badRequest("You can only pass off_session when confirm is true.", "parameter_invalid", "off_session");
    const pm = this.paymentMethodFor(f, null, customer);
    const id = stripeId("pi");
    const pi: PaymentIntent = {
      id,
      object: "payment_intent",
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency,
      customer,
      payment_method: pm?.id ?? null,
      payment_method_types: ["card"],
      allowed_payment_method_types: allowedTypes(f),
      excluded_payment_method_types: null,
      automatic_payment_methods: null,
      status: pm ? "requires_confirmation" : "requires_payment_method",
      client_secret: `${id}_secret_${stripeId("x").slice(2)}`,
      confirmation_method: "automatic",
      capture_method: "automatic_async",
      created: nowSeconds(),
      canceled_at: null,
      cancellation_reason: null,
      description: str(f, "description") ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: metadata(f),
      next_action: null,
      receipt_email: str(f, "receipt_email") ?? null,
      setup_future_usage: str(f, "setup_future_usage") ?? null,
      statement_descriptor: null,
      on_behalf_of: null,
      processing: null,
      review: null,
      transfer_data: null,
    };
    this.paymentIntents.set(id, pi);
    this.emit("payment_intent.created", pi);
    return confirm ? this.confirmPayment({ ...ctx, form: { off_session: String(offSession) } }, pi) : pi;
  }

  private confirmPayment(ctx: Ctx, pi: PaymentIntent): PaymentIntent {
    if (pi.status === "succeeded" || pi.status === "canceled") {
      throw new HttpError(400, {
        type: "invalid_request_error",
        code: "payment_intent_unexpected_state",
        message:
          pi.status === "succeeded"
            ? "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
            : "You cannot confirm this PaymentIntent because it has a status of canceled.",
        payment_intent: snapshot(pi),
      });
    }
    const offSession = bool(ctx.form, "off_session") ?? false;
    const pm = this.paymentMethodFor(ctx.form, pi.payment_method, pi.customer);
    if (!pm) {
      throw badRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", "payment_intent_unexpected_state", "payment_method");
    }
    pi.payment_method = pm.id;
    pi.last_payment_error = null;
    const { card, setupAuthenticated } = this.cardOf(pm);
    switch (card.behavior) {
      case "succeed":
        return this.succeedPayment(pi);
      case "decline":
      case "decline_on_charge":
        return this.failPayment(pi, declineError(card, pm));
      case "authenticate_always":
      case "authenticate_unless_setup":
        if (!offSession) return this.requireAction(pi, "payment_intent.requires_action");
        if (card.behavior === "authenticate_unless_setup" && setupAuthenticated) return this.succeedPayment(pi);
        return this.failPayment(pi, {
          type: "card_error",
          code: "authentication_required",
          decline_code: "authentication_required",
          message: "Your card was declined. This transaction requires authentication.",
          doc_url: "https://stripe.com/docs/error-codes/authentication-required",
          payment_method: snapshot(pm),
        });
    }
  }

  private succeedPayment(pi: PaymentIntent): PaymentIntent {
    pi.status = "succeeded";
    pi.amount_received = pi.amount;
    pi.latest_charge = stripeId("ch");
    pi.next_action = null;
    this.emit("payment_intent.succeeded", pi);
    return pi;
  }

  private failPayment(pi: PaymentIntent, error: StripeErrorBody): never {
    pi.status = "requires_payment_method";
    pi.next_action = null;
    pi.last_payment_error = error;
    this.emit("payment_intent.payment_failed", pi);
    throw new HttpError(402, { ...error, payment_intent: snapshot(pi) });
  }

  private cancelPayment(pi: PaymentIntent): PaymentIntent {
    if (pi.status === "succeeded" || pi.status === "canceled") {
      throw badRequest(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`, "payment_intent_unexpected_state");
    }
    pi.status = "canceled";
    pi.canceled_at = nowSeconds();
    pi.cancellation_reason = "requested_by_customer";
    this.emit("payment_intent.canceled", pi);
    return pi;
  }

  // ---- 3-D Secure (what Stripe's hosted challenge page does) -------------------------------

  private authenticate(ctx: Ctx, id: string) {
    const intent = id.startsWith("seti_") ? this.setupIntent(id) : this.paymentIntent(id);
    this.checkSecret(ctx, intent);
    if (intent.status !== "requires_action") {
      throw badRequest(`This ${intent.object} does not need authentication (status ${intent.status}).`, "intent_unexpected_state");
    }
    const outcome = requireStr(ctx.form, "outcome");
    const pm = this.paymentMethod(intent.payment_method!);
    if (outcome === "complete") {
      return intent.object === "setup_intent" ? this.completeSetup(intent, pm) : this.succeedPayment(intent);
    }
    if (outcome !== "fail") throw badRequest("outcome must be complete or fail", "parameter_invalid", "outcome");
    const error: StripeErrorBody = {
      type: "invalid_request_error",
      code: intent.object === "setup_intent" ? "setup_intent_authentication_failure" : "payment_intent_authentication_failure",
      message: "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
      payment_method: snapshot(pm),
    };
    intent.status = "requires_payment_method";
    intent.next_action = null;
    if (intent.object === "setup_intent") {
      intent.last_setup_error = error;
      this.emit("setup_intent.setup_failed", intent);
    } else {
      intent.last_payment_error = error;
      this.emit("payment_intent.payment_failed", intent);
    }
    return intent;
  }

  // ---- persistence (the standalone server keeps state across restarts) --------------------

  toJSON() {
    return {
      customers: [...this.customers.values()],
      paymentMethods: [...this.paymentMethods.values()],
      internal: [...this.internal.entries()],
      setupIntents: [...this.setupIntents.values()],
      paymentIntents: [...this.paymentIntents.values()],
      events: this.events.slice(-500),
    };
  }

  load(state: ReturnType<StripeEmulator["toJSON"]>) {
    this.reset();
    for (const c of state.customers) this.customers.set(c.id, c);
    for (const pm of state.paymentMethods) this.paymentMethods.set(pm.id, pm);
    for (const [id, v] of state.internal) this.internal.set(id, v);
    for (const si of state.setupIntents) this.setupIntents.set(si.id, si);
    for (const pi of state.paymentIntents) this.paymentIntents.set(pi.id, pi);
    this.events = state.events;
  }
}

/** The emulator only does cards; it accepts either spelling of the types parameter. */
function allowedTypes(f: FormObject): string[] | null {
  const v = f.allowed_payment_method_types ?? f.payment_method_types;
  if (v === undefined) return null;
  const types = Array.isArray(v) ? v : [v];
  if (types.some((t) => t !== "card")) throw badRequest("The Stripe emulator supports only card payments.", "payment_method_unsupported_type", "allowed_payment_method_types");
  return ["card"];
}

function declineError(card: TestCard, pm: PaymentMethod): StripeErrorBody {
  return {
    type: "card_error",
    code: "card_declined",
    decline_code: card.declineCode ?? "generic_decline",
    message: card.declineMessage ?? "Your card was declined.",
    doc_url: "https://stripe.com/docs/error-codes/card-declined",
    payment_method: snapshot(pm),
  };
}

function errorResponse(err: HttpError | ParamError, headers: Record<string, string>): ApiResponse {
  if (err instanceof ParamError) {
    return { status: 400, body: { error: { type: "invalid_request_error", code: err.code, param: err.param, message: err.message } }, headers };
  }
  const body = Object.fromEntries(Object.entries(err.error).filter(([, v]) => v !== undefined));
  return { status: err.status, body: { error: body }, headers };
}
