// Stripe's documented test cards (https://docs.stripe.com/testing), the subset the Stripe
// test emulator (devtools/stripe-emulator) understands; the docs list them too. Only the
// browser stand-in ever sends a card number, straight to the emulator; the emulator keeps
// the behaviour and the last four digits, never the number.

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
