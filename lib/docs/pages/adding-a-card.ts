import { MAX_TOPUP_CENTS, MIN_TOPUP_CENTS, TOPUP_PRESETS_CENTS } from "@/lib/billing/topup";
import { TEST_CARDS, type CardBehavior } from "@/lib/billing/test-cards";
import { centsToMicro, formatUsd } from "@/lib/money";
import { TIERS_BY_ID } from "@/lib/ratelimit/tiers";
import { code, h2, link, p, strong, type DocPageSource } from "../types";

const cents = (c: number) => formatUsd(centsToMicro(c));

const BEHAVIOR: Record<CardBehavior, string> = {
  succeed: "Saves and pays.",
  decline: "Declined, when saving and when paying.",
  decline_on_charge: "Saves, but every payment is declined.",
  authenticate_unless_setup: "Asks for 3-D Secure when saved or paid on-session; automatic top-ups go through once it was saved with authentication.",
  authenticate_always: "Asks for 3-D Secure on every payment; automatic top-ups need you to authenticate.",
};

const groups = (n: string) => (n.length === 15 ? `${n.slice(0, 4)} ${n.slice(4, 10)} ${n.slice(10)}` : n.replace(/(\d{4})(?=\d)/g, "$1 "));

export const addingACard: DocPageSource = {
  slug: "adding-a-card",
  title: "Adding a card",
  summary: () => `Save a card with Stripe Elements on the billing page, then top up any amount from ${cents(MIN_TOPUP_CENTS)}; test cards for test mode.`,
  blocks: () => [
    p("Credit is prepaid. You add it from the ", link("billing page", "/dashboard/billing"), " in two steps:"),
    {
      kind: "list",
      ordered: true,
      items: [
        [
          strong("Add payment method."),
          " Enter the card in the form that opens and choose ",
          strong("Save card"),
          ". The form is Stripe Elements: the card number goes from your browser to Stripe and never touches our servers; we keep only the brand and last four digits Stripe reports.",
        ],
        [
          strong("Top up."),
          ` Pick a preset (${TOPUP_PRESETS_CENTS.map(cents).join(", ")}) or type any amount from `,
          strong(cents(MIN_TOPUP_CENTS)),
          ` up to ${cents(MAX_TOPUP_CENTS)}, and choose `,
          strong("Top up"),
          ". If your bank asks for 3-D Secure, a dialog opens to confirm. The balance is credited immediately, once per payment.",
        ],
      ],
    },
    p(
      "Your account's first successful payment also moves it to the ",
      strong(TIERS_BY_ID.paid.name),
      " tier (",
      strong(`${TIERS_BY_ID.paid.requestsPerMinute} requests per minute`),
      " per key; see ",
      link("Rate limits", "/docs/rate-limits"),
      "). The billing page can also top up automatically when the balance falls below a threshold you choose.",
    ),
    h2("Test mode"),
    p(
      "A development instance without Stripe keys (",
      code("npm start"),
      ") runs a Stripe test emulator, labelled ",
      strong("test mode"),
      " on the billing page: the whole flow works, and no real money moves. A production deployment without Stripe keys takes no payments at all. Use Stripe's test cards with any future expiry date and any CVC:",
    ),
    {
      kind: "table",
      testId: "test-cards",
      head: ["Card number", "Brand", "What happens"],
      rows: Object.entries(TEST_CARDS).map(([n, c]) => [
        [code(groups(n))],
        [`${c.brand} ${c.funding}`],
        [BEHAVIOR[c.behavior] + (c.declineMessage ? ` "${c.declineMessage}"` : "")],
      ]),
    },
  ],
};
