// Stripe's documented test cards (https://docs.stripe.com/testing), the subset the
// emulator understands. Only the browser stand-in ever sends a card number, straight to
// the emulator; the emulator keeps the behaviour and the last four digits, never the number.

export type CardBehavior =
  | "succeed"
  /** Declined on every attempt, setup included (4000 0000 0000 0002 and friends). */
  | "decline"
  /** Saves fine (setup and attach succeed) but every charge is declined (…0341). */
  | "decline_on_charge"
  /**
   * 3-D Secure for on-session setups and payments; off-session payments go through once
   * the card was set up with authentication, otherwise authentication_required (…3155).
   */
  | "authenticate_unless_setup"
  /** 3-D Secure on every transaction; off-session always authentication_required (…3184). */
  | "authenticate_always";

export type TestCard = {
  brand: "visa" | "mastercard" | "amex";
  funding: "credit" | "debit";
  behavior: CardBehavior;
  declineCode?: string;
  declineMessage?: string;
};

const GENERIC = "Your card was declined.";

export const TEST_CARDS: Record<string, TestCard> = {
  "4242424242424242": { brand: "visa", funding: "credit", behavior: "succeed" },
  "4000056655665556": { brand: "visa", funding: "debit", behavior: "succeed" },
  "5555555555554444": { brand: "mastercard", funding: "credit", behavior: "succeed" },
  "378282246310005": { brand: "amex", funding: "credit", behavior: "succeed" },
  "4000000000000002": { brand: "visa", funding: "credit", behavior: "decline", declineCode: "generic_decline", declineMessage: GENERIC },
  "4000000000009995": {
    brand: "visa",
    funding: "credit",
    behavior: "decline",
    declineCode: "insufficient_funds",
    declineMessage: "Your card has insufficient funds.",
  },
  "4000000000000341": {
    brand: "visa",
    funding: "credit",
    behavior: "decline_on_charge",
    declineCode: "generic_decline",
    declineMessage: GENERIC,
  },
  "4000002500003155": { brand: "visa", funding: "credit", behavior: "authenticate_unless_setup" },
  "4000002760003184": { brand: "visa", funding: "credit", behavior: "authenticate_always" },
};

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

export type CardCheck =
  | { ok: true; card: TestCard; last4: string }
  | { ok: false; code: string; declineCode?: string; param: string; message: string };

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
      message: "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
    };
  }
  return { ok: true, card, last4: number.slice(-4) };
}
