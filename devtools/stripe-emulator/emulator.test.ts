import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCard } from "./cards";
import { parseStripeForm } from "./form";
import { startStripeEmulator, type RunningEmulator } from "./server";
import { signPayload } from "./webhooks";

describe("parseStripeForm", () => {
  it("decodes nested objects and indexed arrays the way the SDK encodes them", () => {
    expect(parseStripeForm("amount=500&metadata[account_id]=acct_1&card[number]=4242+4242&expand[0]=a&expand[1]=b&x[]=1&x[]=2")).toEqual({
      amount: "500",
      metadata: { account_id: "acct_1" },
      card: { number: "4242 4242" },
      expand: ["a", "b"],
      x: ["1", "2"],
    });
    expect(parseStripeForm("a%5Bb%5D%5Bc%5D=%26%3D")).toEqual({ a: { b: { c: "&=" } } });
  });
});

describe("checkCard", () => {
  const exp = { expMonth: 12, expYear: 2040 };
  it("knows Stripe's test cards and refuses the rest like test mode does", () => {
    expect(checkCard({ number: "4242 4242 4242 4242", ...exp })).toMatchObject({ ok: true, last4: "4242" });
    expect(checkCard({ number: "4242 4242 4242 4241", ...exp })).toMatchObject({ ok: false, code: "incorrect_number" });
    expect(checkCard({ number: "4111111111111111", ...exp })).toMatchObject({ ok: false, code: "card_declined", declineCode: "test_mode_live_card" });
    expect(checkCard({ number: "4242424242424242", expMonth: 1, expYear: 2020 })).toMatchObject({ ok: false, code: "invalid_expiry_year" });
    expect(checkCard({ number: "4242424242424242", ...exp, cvc: "12" })).toMatchObject({ ok: false, code: "invalid_cvc" });
  });
});

describe("the emulator through the real stripe SDK", () => {
  let emu: RunningEmulator;
  let stripe: Stripe;
  const card = async (number: string) => {
    const res = await fetch(`${emu.url}/v1/payment_methods`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.config.publishableKey}`, "content-type": "application/x-www-form-urlencoded" },
      body: `type=card&card[number]=${number}&card[exp_month]=12&card[exp_year]=2040&card[cvc]=123`,
    });
    return (await res.json()) as { id: string };
  };
  beforeAll(async () => {
    emu = await startStripeEmulator();
    const u = new URL(emu.url);
    stripe = new Stripe(emu.config.secretKey, { host: u.hostname, port: u.port, protocol: "http", maxNetworkRetries: 0 });
  });
  afterAll(() => emu?.close());

  it("authenticates with the secret key and refuses others with Stripe's 401", async () => {
    const bad = new Stripe("sk_test_wrong", { host: "127.0.0.1", port: emu.port, protocol: "http", maxNetworkRetries: 0 });
    await expect(bad.customers.create()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const res = await fetch(`${emu.url}/v1/customers`, { method: "POST", headers: { authorization: `Bearer ${emu.config.publishableKey}` } });
    expect(res.status).toBe(401); // publishable keys may not create customers
  });

  it("replays the same Idempotency-Key and refuses it with different parameters", async () => {
    const a = await stripe.customers.create({ email: "a@example.test" }, { idempotencyKey: "same" });
    const b = await stripe.customers.create({ email: "a@example.test" }, { idempotencyKey: "same" });
    expect(b.id).toBe(a.id);
    await expect(stripe.customers.create({ email: "other@example.test" }, { idempotencyKey: "same" })).rejects.toBeInstanceOf(
      Stripe.errors.StripeIdempotencyError,
    );
  });

  it("answers missing objects with resource_missing and bad params with parameter errors", async () => {
    await expect(stripe.customers.retrieve("cus_missing")).rejects.toMatchObject({ code: "resource_missing", statusCode: 404 });
    await expect(stripe.paymentIntents.create({ amount: 49, currency: "usd" })).rejects.toMatchObject({ code: "amount_too_small" });
  });

  it("declines 4000 0000 0000 0341 on charge with Stripe's card_error shape, PaymentIntent included", async () => {
    const customer = await stripe.customers.create();
    const pm = await card("4000000000000341");
    await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    const err = await stripe.paymentIntents
      .create({ amount: 500, currency: "usd", customer: customer.id, payment_method: pm.id, confirm: true })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ code: "card_declined", decline_code: "generic_decline", statusCode: 402 });
    expect(err.raw.payment_intent).toMatchObject({ status: "requires_payment_method", last_payment_error: { code: "card_declined" } });
  });

  it("asks for 3-D Secure on-session and refuses off-session with authentication_required", async () => {
    const customer = await stripe.customers.create();
    const pm = await card("4000002760003184");
    await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    const pi = await stripe.paymentIntents.create({ amount: 500, currency: "usd", customer: customer.id, payment_method: pm.id, confirm: true });
    expect(pi.status).toBe("requires_action");
    expect(pi.next_action?.type).toBe("use_stripe_sdk");
    const off = await stripe.paymentIntents
      .create({ amount: 500, currency: "usd", customer: customer.id, payment_method: pm.id, confirm: true, off_session: true })
      .catch((e) => e);
    expect(off).toMatchObject({ code: "authentication_required", decline_code: "authentication_required" });
  });

  it("will not let one customer's card pay for another customer", async () => {
    const [a, b] = [await stripe.customers.create(), await stripe.customers.create()];
    const pm = await card("4242424242424242");
    await stripe.paymentMethods.attach(pm.id, { customer: a.id });
    await expect(stripe.paymentIntents.create({ amount: 500, currency: "usd", customer: b.id, payment_method: pm.id, confirm: true })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
  });

  it("signs webhooks so the SDK's constructEvent accepts them, and only with the right secret", () => {
    const payload = JSON.stringify({ id: "evt_1", object: "event", type: "payment_intent.succeeded", data: { object: {} } });
    const header = signPayload(payload, emu.config.webhookSecret);
    expect(stripe.webhooks.constructEvent(payload, header, emu.config.webhookSecret).id).toBe("evt_1");
    expect(() => stripe.webhooks.constructEvent(payload, header, "whsec_other")).toThrow(Stripe.errors.StripeSignatureVerificationError);
    // Same format as the SDK's own test header.
    const t = Math.floor(Date.now() / 1000);
    expect(signPayload(payload, "whsec_x", t)).toBe(stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_x", timestamp: t }));
  });

  it("allows browsers (CORS) and serves the Stripe.js stand-in", async () => {
    const pre = await fetch(`${emu.url}/v1/payment_methods`, { method: "OPTIONS", headers: { origin: "http://localhost:3000" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
    const js = await fetch(`${emu.url}/endive/stripe.js`);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
  });

  it("keeps a customer's name and address, clears the address with address='', and refuses unknown parameters", async () => {
    const c = await stripe.customers.create({ email: "billing@example.test" });
    expect(c.address).toBeNull();
    const address = { line1: "1 Main St", line2: "", city: "Berlin", postal_code: "10115", state: "", country: "de" };
    const u = await stripe.customers.update(c.id, { name: "Acme GmbH", address });
    expect(u).toMatchObject({
      name: "Acme GmbH",
      address: { line1: "1 Main St", line2: null, city: "Berlin", postal_code: "10115", state: null, country: "DE" },
    });
    expect((await stripe.customers.retrieve(c.id)) as Stripe.Customer).toMatchObject({ name: "Acme GmbH", address: { city: "Berlin" } });
    expect((await stripe.customers.update(c.id, { address: "" })).address).toBeNull();
    const unknown = (params: object) => stripe.customers.update(c.id, params as Stripe.CustomerUpdateParams).catch((e) => e);
    expect(await unknown({ nickname: "x" })).toMatchObject({
      statusCode: 400,
      code: "parameter_unknown",
      param: "nickname",
      message: "Received unknown parameter: nickname",
    });
    expect(await unknown({ address: { line3: "x" } })).toMatchObject({ code: "parameter_unknown", param: "address[line3]" });
    expect(await unknown({ address: { country: "Germany" } })).toMatchObject({ code: "parameter_invalid", param: "address[country]" });
  });

  it("adds, lists, reads and deletes a customer's tax IDs in Stripe's TaxId shape; refuses invalid values with tax_id_invalid", async () => {
    const [a, b] = [await stripe.customers.create(), await stripe.customers.create()];
    const t = await stripe.customers.createTaxId(a.id, { type: "eu_vat", value: "DE123456789" });
    expect(t).toMatchObject({
      id: expect.stringMatching(/^txi_/),
      object: "tax_id",
      type: "eu_vat",
      value: "DE123456789",
      country: "DE",
      customer: a.id,
      livemode: false,
      owner: { type: "customer", customer: a.id },
      verification: { status: "pending", verified_address: null, verified_name: null },
    });
    const ein = await stripe.customers.createTaxId(a.id, { type: "us_ein", value: "12-3456789" });
    expect(ein).toMatchObject({ country: "US", verification: { status: "unavailable" } });
    expect((await stripe.customers.listTaxIds(a.id)).data.map((x) => x.id)).toEqual([ein.id, t.id]);
    expect((await stripe.customers.retrieveTaxId(a.id, t.id)).value).toBe("DE123456789");
    // Another customer's tax ID does not exist for this one.
    await expect(stripe.customers.retrieveTaxId(b.id, t.id)).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
    await expect(stripe.customers.deleteTaxId(b.id, t.id)).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(await stripe.customers.deleteTaxId(a.id, t.id)).toMatchObject({ id: t.id, object: "tax_id", deleted: true });
    expect((await stripe.customers.listTaxIds(a.id)).data.map((x) => x.id)).toEqual([ein.id]);

    const bad = (type: string, value: string) => stripe.customers.createTaxId(a.id, { type, value }).catch((e) => e);
    for (const [type, value] of [
      ["eu_vat", "DE12345"], // Germany's numbers have 9 digits
      ["eu_vat", "123456789"], // no country prefix
      ["gb_vat", "GB12"],
      ["us_ein", "123"],
      ["au_abn", "1234"],
    ]) {
      const err = await bad(type, value);
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err).toMatchObject({ statusCode: 400, code: "tax_id_invalid", param: "value", message: `Invalid value for ${type}.` });
    }
    expect(await bad("xx_vat", "123")).toMatchObject({ statusCode: 400, param: "type" });
    expect(
      await stripe.customers.createTaxId(a.id, { type: "eu_vat", value: "x", owner: { type: "self" } } as Stripe.CustomerCreateTaxIdParams).catch((e) => e),
    ).toMatchObject({
      code: "parameter_unknown",
      param: "owner",
    });
    await expect(stripe.customers.createTaxId("cus_missing", { type: "eu_vat", value: "DE123456789" })).rejects.toMatchObject({ code: "resource_missing" });
  });
});
