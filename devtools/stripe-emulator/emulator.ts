import { createCustomer, updateCustomer } from "./customers";
import { errorBody, HttpError, notFound } from "./errors";
import { int, ParamError, parseStripeForm, requireStr, str, type FormObject } from "./form";
import { list, snapshot, stripeId } from "./objects";
import { cancelPayment, confirmPayment, createPaymentIntent } from "./payment-intents";
import { attach, createPaymentMethod, detach, listPaymentMethods } from "./payment-methods";
import { charge, closeDispute, createDispute, createRefund } from "./refunds";
import { confirmSetup, createSetupIntent } from "./setup-intents";
import { Store, type Ctx, type KeyKind } from "./store";
import { createTaxId, customerTaxId, deleteTaxId, listTaxIds } from "./tax-ids";
import { authenticate } from "./three-d-secure";
import { WebhookDispatcher } from "./webhooks";

// An in-memory Stripe (test mode) for the API calls this app makes. Requests are the
// form-encoded bodies every Stripe client sends; answers are Stripe's JSON objects and
// error shapes. It is a test double: small, readable, and honest about what it covers
// (customers and their tax IDs, payment methods, SetupIntents, PaymentIntents, events). This file does
// what every request needs: API keys, Idempotency-Key, routing, error responses.

export { EMULATOR_API_VERSION, generateEmulatorKeys, type EmulatorKeys } from "./defaults";
export { HttpError } from "./errors";

export type EmulatorConfig = {
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
  /** The emulator's URL as browsers see it (3-D Secure pages, next_action). */
  publicUrl: string;
  /** Where events are POSTed; a function is asked at each delivery. */
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

type Handler = (ctx: Ctx, id: string, id2: string) => unknown;
type Route = { method: string; pattern: RegExp; handler: Handler; publishable: boolean };

export class StripeEmulator extends Store {
  readonly webhooks: WebhookDispatcher;
  private idempotent = new Map<string, { fingerprint: string; response: ApiResponse }>();
  private routes: Route[];

  constructor(override readonly config: EmulatorConfig) {
    let dispatcher: WebhookDispatcher | undefined;
    super(config, (event) => dispatcher!.enqueue(event));
    this.webhooks = dispatcher = new WebhookDispatcher(
      config.webhookUrl,
      config.webhookSecret,
      (id) => this.events.find((e) => e.id === id),
      config.webhookRetryDelaysMs ?? [],
    );
    const r = (method: string, path: string, handler: Handler, publishable = false): Route => ({
      method,
      pattern: new RegExp(`^${path.replaceAll(/:id2?/g, "([A-Za-z0-9_]+)")}$`),
      handler,
      publishable,
    });
    // `true` marks what a publishable key (Stripe.js in the browser) may call.
    this.routes = [
      r("POST", "/v1/customers", (c) => createCustomer(this, c)),
      r("GET", "/v1/customers/:id", (_c, id) => this.customer(id)),
      r("POST", "/v1/customers/:id", (c, id) => updateCustomer(this, c, id)),
      r("POST", "/v1/customers/:id/tax_ids", (c, id) => createTaxId(this, c, id)),
      r("GET", "/v1/customers/:id/tax_ids", (c, id) => listTaxIds(this, c, id)),
      r("GET", "/v1/customers/:id/tax_ids/:id2", (_c, id, txi) => customerTaxId(this, id, txi)),
      r("DELETE", "/v1/customers/:id/tax_ids/:id2", (_c, id, txi) => deleteTaxId(this, id, txi)),
      r("GET", "/v1/customers/:id/payment_methods", (c, id) => listPaymentMethods(this, c, this.customer(id).id)),
      r("POST", "/v1/payment_methods", (c) => createPaymentMethod(this, c.form), true),
      r("GET", "/v1/payment_methods", (c) => listPaymentMethods(this, c, requireStr(c.form, "customer"))),
      r("GET", "/v1/payment_methods/:id", (_c, id) => this.paymentMethod(id)),
      r("POST", "/v1/payment_methods/:id/attach", (c, id) => attach(this, this.paymentMethod(id), requireStr(c.form, "customer"))),
      r("POST", "/v1/payment_methods/:id/detach", (_c, id) => detach(this, this.paymentMethod(id))),
      r("POST", "/v1/setup_intents", (c) => createSetupIntent(this, c)),
      r("GET", "/v1/setup_intents/:id", (c, id) => this.checkSecret(c, this.setupIntent(id)), true),
      r("POST", "/v1/setup_intents/:id/confirm", (c, id) => confirmSetup(this, c, this.checkSecret(c, this.setupIntent(id))), true),
      r("POST", "/v1/payment_intents", (c) => createPaymentIntent(this, c)),
      r("GET", "/v1/payment_intents/:id", (c, id) => this.checkSecret(c, this.paymentIntent(id)), true),
      r("POST", "/v1/payment_intents/:id/confirm", (c, id) => confirmPayment(this, c, this.checkSecret(c, this.paymentIntent(id))), true),
      r("POST", "/v1/payment_intents/:id/cancel", (_c, id) => cancelPayment(this, this.paymentIntent(id))),
      r("GET", "/v1/charges/:id", (_c, id) => charge(this, id)),
      r("POST", "/v1/refunds", (c) => createRefund(this, c.form)),
      r("GET", "/v1/refunds/:id", (_c, id) => this.refunds.get(id) ?? throwNotFound("refund", id)),
      r("GET", "/v1/events", (c) => this.listEvents(c)),
      r("GET", "/v1/events/:id", (_c, id) => this.events.find((e) => e.id === id) ?? throwNotFound("event", id)),
      // Not Stripe: the stand-in's 3-D Secure dialog reports the user's choice here.
      r("POST", "/_emulator/3ds/:id", (c, id) => authenticate(this, c, id), true),
    ];
  }

  /** Handles one API request: authentication, idempotency, routing, errors. Synchronous. */
  handle(req: ApiRequest): ApiResponse {
    const requestId = stripeId("req", 14);
    const headers = { "request-id": requestId, "stripe-version": this.config.apiVersion };
    const fail = (err: HttpError | ParamError): ApiResponse => ({ ...errorBody(err), headers });
    try {
      const form = { ...parseStripeForm(req.query), ...parseStripeForm(req.body) };
      const key = this.authenticateKey(req.authorization, form);
      const route = this.routes.find((x) => x.method === req.method && x.pattern.test(req.path));
      if (!route) throw new HttpError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${req.path}).` });
      if (key.kind === "publishable" && !route.publishable) {
        throw new HttpError(401, {
          type: "invalid_request_error",
          message: "This API call cannot be made with a publishable API key. Please use a secret API key.",
        });
      }
      const idemKey = req.method === "POST" ? (req.idempotencyKey ?? null) : null;
      const slot = idemKey ? `${key.value}\u0000${idemKey}` : null;
      const fingerprint = `${req.method} ${req.path} ${req.body}`;
      const prior = slot ? this.idempotent.get(slot) : undefined;
      if (prior && prior.fingerprint !== fingerprint) {
        throw new HttpError(400, {
          type: "idempotency_error",
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
        });
      }
      if (prior) return { ...prior.response, headers: { ...prior.response.headers, "idempotent-replayed": "true" } };

      const ctx: Ctx = { key: key.kind, form, requestId, idempotencyKey: idemKey };
      let response: ApiResponse;
      this.current = ctx;
      try {
        const match = route.pattern.exec(req.path)!;
        response = { status: 200, body: snapshot(route.handler(ctx, match[1], match[2])), headers };
      } catch (err) {
        if (!(err instanceof HttpError) && !(err instanceof ParamError)) throw err;
        response = fail(err);
      } finally {
        this.current = null;
      }
      // Stripe saves the outcome of any request that ran, errors included (a decline
      // replays as the same decline), so a retried request never charges twice.
      if (slot) this.idempotent.set(slot, { fingerprint, response });
      return response;
    } catch (err) {
      if (err instanceof HttpError || err instanceof ParamError) return fail(err);
      console.error("[stripe-emulator]", err);
      return { status: 500, body: { error: { type: "api_error", message: "An unknown error occurred" } }, headers };
    }
  }

  reset() {
    for (const m of [
      this.customers,
      this.paymentMethods,
      this.setupIntents,
      this.paymentIntents,
      this.internal,
      this.idempotent,
      this.charges,
      this.refunds,
      this.disputes,
      this.taxIds,
    ])
      m.clear();
    this.events = [];
    this.webhooks.held = [];
  }

  private authenticateKey(header: string | null | undefined, form: FormObject): { kind: KeyKind; value: string } {
    let value: string | undefined;
    if (header?.startsWith("Bearer ")) value = header.slice(7).trim();
    else if (header?.startsWith("Basic ")) value = Buffer.from(header.slice(6), "base64").toString().split(":")[0];
    else if (typeof form.key === "string") value = form.key; // how Stripe.js sends its publishable key
    delete form.key;
    if (!value) {
      throw new HttpError(401, {
        type: "invalid_request_error",
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
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

  private listEvents(ctx: Ctx) {
    const type = str(ctx.form, "type");
    const data = this.events.filter((e) => !type || e.type === type).reverse();
    return list("/v1/events", data, int(ctx.form, "limit") ?? 10);
  }

  // The standalone server saves this after every change and loads it at start.
  toJSON() {
    return {
      customers: [...this.customers.values()],
      paymentMethods: [...this.paymentMethods.values()],
      internal: [...this.internal.entries()],
      setupIntents: [...this.setupIntents.values()],
      paymentIntents: [...this.paymentIntents.values()],
      charges: [...this.charges.values()],
      refunds: [...this.refunds.values()],
      disputes: [...this.disputes.values()],
      taxIds: [...this.taxIds.values()],
      events: this.events.slice(-500),
    };
  }

  /** Not Stripe: opens a dispute on a charge now (Stripe does it later, for special cards). */
  openDispute(form: FormObject) {
    const d = createDispute(this, form);
    return snapshot(d);
  }

  /** Not Stripe: closes a dispute now as won or lost (Stripe does when the network decides). */
  closeDispute(id: string, form: FormObject) {
    return snapshot(closeDispute(this, id, form));
  }

  load(state: ReturnType<StripeEmulator["toJSON"]>) {
    this.reset();
    // State files written before customers had addresses have none.
    for (const c of state.customers) this.customers.set(c.id, { ...c, address: c.address ?? null });
    for (const pm of state.paymentMethods) this.paymentMethods.set(pm.id, pm);
    for (const [id, v] of state.internal) this.internal.set(id, v);
    for (const si of state.setupIntents) this.setupIntents.set(si.id, si);
    for (const pi of state.paymentIntents) this.paymentIntents.set(pi.id, pi);
    // State files written before charges existed have none.
    for (const c of state.charges ?? []) this.charges.set(c.id, c);
    for (const r of state.refunds ?? []) this.refunds.set(r.id, r);
    for (const d of state.disputes ?? []) this.disputes.set(d.id, d);
    for (const t of state.taxIds ?? []) this.taxIds.set(t.id, t);
    this.events = state.events;
  }
}

function throwNotFound(kind: string, id: string): never {
  throw notFound(kind, id);
}
