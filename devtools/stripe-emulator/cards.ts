import { TEST_CARDS, type TestCard } from "@/lib/billing/test-cards";

// Card checks as Stripe test mode makes them; the card table is lib/billing/test-cards.ts
// (the docs list it too).
export { TEST_CARDS, type CardBehavior, type TestCard } from "@/lib/billing/test-cards";

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length >= 12 && sum % 10 === 0;
}

export type CardCheck = { ok: true; card: TestCard; last4: string } | { ok: false; code: string; declineCode?: string; param: string; message: string };

/** Validates what a browser typed, as Stripe does when creating a card PaymentMethod. */
export function checkCard(input: { number: string; expMonth: number; expYear: number; cvc?: string }, now = new Date()): CardCheck {
  const number = input.number.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(number) || !luhnValid(number)) {
    return { ok: false, code: "incorrect_number", param: "card[number]", message: "Your card number is incorrect." };
  }
  if (!(input.expMonth >= 1 && input.expMonth <= 12)) {
    return { ok: false, code: "invalid_expiry_month", param: "card[exp_month]", message: "Your card's expiration month is invalid." };
  }
  const year = input.expYear < 100 ? 2000 + input.expYear : input.expYear;
  const thisYear = now.getUTCFullYear();
  if (year < thisYear || year > thisYear + 50) {
    return { ok: false, code: "invalid_expiry_year", param: "card[exp_year]", message: "Your card's expiration year is invalid." };
  }
  if (year === thisYear && input.expMonth < now.getUTCMonth() + 1) {
    return { ok: false, code: "invalid_expiry_month", param: "card[exp_month]", message: "Your card's expiration month is invalid." };
  }
  if (input.cvc !== undefined && !/^\d{3,4}$/.test(input.cvc)) {
    return { ok: false, code: "invalid_cvc", param: "card[cvc]", message: "Your card's security code is invalid." };
  }
  const card = TEST_CARDS[number];
  if (!card) {
    // What Stripe answers when a real card number is used with a test key.
    return {
      ok: false,
      code: "card_declined",
      declineCode: "test_mode_live_card",
      param: "card[number]",
      message:
        "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
    };
  }
  return { ok: true, card, last4: number.slice(-4) };
}
