import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { memoryBackend } from "@/lib/ratelimit/backends";
import { createRateLimiter } from "@/lib/ratelimit/limiter";
import { BillingError } from "./errors";
import { checkPaymentVelocity, paymentVelocityLimits } from "./velocity";

// Issue 13 item 8: top-ups and card set-ups are limited per account and per client IP, on
// the app's limiter (here its in-process store with a fake clock: an hour passes at once).

function fakeLimiter() {
  const clock = { t: 1_800_000_000_000 };
  const now = () => clock.t;
  const limiter = createRateLimiter({ backend: memoryBackend({ now, prefix: "velocity-test" }), now });
  return { clock, limitFn: limiter.limit.bind(limiter) };
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => {
      if (!(e instanceof BillingError)) throw e;
      return e;
    },
  );

describe("payment velocity limits", () => {
  const limits = paymentVelocityLimits(parseEnv({}));

  it("defaults: 10 top-ups and 5 card set-ups per account per hour, twice that per IP; env overrides", () => {
    expect(limits).toEqual({ topup: { account: 10, ip: 20 }, card_setup: { account: 5, ip: 10 } });
    expect(paymentVelocityLimits(parseEnv({ TOPUP_LIMIT_PER_HOUR: "3", CARD_SETUP_LIMIT_PER_HOUR: "2" }))).toEqual({
      topup: { account: 3, ip: 6 },
      card_setup: { account: 2, ip: 4 },
    });
  });

  it("per account: the 11th top-up in an hour is refused with a clear 429 message, the next hour it is allowed", async () => {
    const { clock, limitFn } = fakeLimiter();
    for (let i = 0; i < 10; i++)
      expect(await refusal(checkPaymentVelocity("topup", { accountId: "acct_a", ip: `10.0.0.${i}` }, { limits, limitFn }))).toBeNull();
    const e = await refusal(checkPaymentVelocity("topup", { accountId: "acct_a", ip: "10.0.1.1" }, { limits, limitFn }));
    expect(e).toMatchObject({ code: "too_many_attempts", status: 429 });
    expect(e!.message).toMatch(/Too many top-ups on this account: at most 10 per hour\. Nothing was charged; try again in \d+ minutes?/);
    // Another account is not affected; card set-ups have their own count.
    expect(await refusal(checkPaymentVelocity("topup", { accountId: "acct_b", ip: "10.0.1.1" }, { limits, limitFn }))).toBeNull();
    expect(await refusal(checkPaymentVelocity("card_setup", { accountId: "acct_a", ip: "10.0.1.1" }, { limits, limitFn }))).toBeNull();
    clock.t += 3600_000;
    expect(await refusal(checkPaymentVelocity("topup", { accountId: "acct_a", ip: "10.0.1.1" }, { limits, limitFn }))).toBeNull();
  });

  it("per IP: many accounts from one address are refused after twice the per-account limit", async () => {
    const { limitFn } = fakeLimiter();
    for (let i = 0; i < 10; i++) {
      expect(await refusal(checkPaymentVelocity("card_setup", { accountId: `acct_${i}`, ip: "203.0.113.7" }, { limits, limitFn }))).toBeNull();
    }
    const e = await refusal(checkPaymentVelocity("card_setup", { accountId: "acct_new", ip: "203.0.113.7" }, { limits, limitFn }));
    expect(e).toMatchObject({ code: "too_many_attempts" });
    expect(e!.message).toMatch(/Too many attempts to add a card from your network: at most 10 per hour/);
    // No IP known (no trusted proxy header): only the account counts.
    expect(await refusal(checkPaymentVelocity("card_setup", { accountId: "acct_new", ip: null }, { limits, limitFn }))).toBeNull();
  });
});
