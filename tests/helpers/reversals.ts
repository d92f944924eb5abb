import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { topUp } from "@/lib/billing";
import { auditAccount } from "@/lib/ledger";
import { appFetch } from "./app-fetch";
import type { IntegrationApp } from "./fixture";
import { saveCard, startStripeTestbed, type StripeTestbed } from "./stripe";

// The set-up shared by the refund and dispute tests: the Stripe emulator with its webhooks
// held (each test delivers them when it chooses: replayed, concurrent, out of order),
// accounts topped up through it, and the checks every money movement ends with.

export const USD = 1_000_000n;

export type ReversalsTestbed = {
  readonly tb: StripeTestbed;
  /** The emulator's webhook sender: `held` events, `deliver(id)`, `deliverHeld()`. */
  webhooks(): StripeTestbed["emu"]["emulator"]["webhooks"];
  /** Ids of the held events of this type, oldest first. */
  heldIds(type: string): string[];
  /** A Paid account with a key and a saved card, topped up by `cents`; its webhooks delivered. */
  toppedUp(cents: number): Promise<Awaited<ReturnType<IntegrationApp["account"]>> & { pm: string; pi: string }>;
  /** The account's balance through the API (402 account_frozen while it owes). */
  credits(secret: string): Promise<Response>;
  /** Balance = Σ ledger, reservations consistent, nothing negative. */
  expectAudited(accountId: string): Promise<void>;
  /** POST to one of the emulator's own (non-Stripe) endpoints with the secret key. */
  control(path: string, body: Record<string, string>): Promise<Response>;
};

export function reversalsTestbed(app: IntegrationApp): ReversalsTestbed {
  let tb: StripeTestbed | undefined;
  beforeAll(async () => {
    tb = await startStripeTestbed(app.db);
  });
  afterAll(async () => {
    await tb?.close();
  });
  beforeEach(() => {
    need().emu.emulator.webhooks.mode = "hold";
    need().emu.emulator.webhooks.held = [];
  });
  const need = () => {
    if (!tb) throw new Error("reversalsTestbed(): the emulator runs only inside tests and hooks");
    return tb;
  };
  const webhooks = () => need().emu.emulator.webhooks;
  return {
    get tb() {
      return need();
    },
    webhooks,
    heldIds: (type) =>
      webhooks()
        .held.filter((e) => e.type === type)
        .map((e) => e.id),
    async toppedUp(cents) {
      const a = await app.account();
      const pm = await saveCard(app.db, need(), a.accountId);
      const r = await topUp(app.db, need().stripe, { accountId: a.accountId, amountCents: cents, paymentMethodId: pm });
      if (r.status !== "succeeded") throw new Error(`top-up ${r.status}`);
      await webhooks().deliverHeld();
      return { ...a, pm, pi: r.paymentIntentId };
    },
    credits: (secret) => appFetch("http://app.test/v1/credits", { headers: { authorization: `Bearer ${secret}` } }),
    async expectAudited(accountId) {
      expect((await auditAccount(app.db, accountId)).ok).toBe(true);
    },
    control: (path, body) =>
      fetch(`${need().emu.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${need().emu.config.secretKey}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(body).toString(),
      }),
  };
}
