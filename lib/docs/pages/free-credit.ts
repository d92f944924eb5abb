import { SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import { MIN_TOPUP_CENTS } from "@/lib/billing/topup";
import { freeCreditExpiresDays } from "@/lib/ledger/credit-kinds";
import { centsToMicro, formatUsd } from "@/lib/money";
import { TIERS_BY_ID } from "@/lib/ratelimit/tiers";
import { creditsCurlSample } from "../examples";
import { code, h2, link, p, strong, type DocPageSource } from "../types";

const credit = () => formatUsd(SIGNUP_CREDIT_MICRO_USD);

export const freeCredit: DocPageSource = {
  slug: "free-credit",
  title: "Free credit",
  summary: () => `Every new account gets ${credit()} of free credit when its email address is verified, no card needed, spent at the normal per-model rates.`,
  blocks: ({ origin }) => [
    p(
      "Every new account gets ",
      strong(credit()),
      " of free credit. No card is needed: sign up, follow the link we email you to verify your address, and it is on your balance. Until then you can sign in and look around at $0.00, and the dashboard can send the link again.",
    ),
    p(
      "It is given once per person: addresses that reach the same mailbox (letter case; for Gmail also dots and ",
      code("+tags"),
      ") share one grant, disposable-mailbox domains get none, and there is a daily limit on grants to new accounts. An account that gets no free credit is told why on its dashboard.",
    ),
    p(
      "Free credit is spent exactly like credit you buy: per request, at each model's published rates (see ",
      link("How we bill", "/docs/billing"),
      " and the ",
      link("model list", "/docs/api-reference"),
      "). It shows in your billing history as a grant.",
    ),
    p(
      "Free credit (and any credit we grant you) is promotional: it is spent before credit you paid for, the credit that expires soonest first, and ",
      freeCreditExpiresDays() === 0
        ? "it does not expire."
        : `what is left of it expires ${freeCreditExpiresDays()} days after it was granted (an "expired" line in your billing history; the dashboard shows the date).`,
      " Refunds and disputes of a top-up only ever take back paid credit.",
    ),
    p(
      "New accounts start on the ",
      strong(TIERS_BY_ID.free.name),
      " tier: ",
      strong(TIERS_BY_ID.free.requestsPerMinute),
      " requests per minute per API key. See ",
      link("Rate limits", "/docs/rate-limits"),
      " for the higher tiers.",
    ),
    h2("Check your balance"),
    p("The dashboard shows it, and so does the API (amounts in micro-USD are exact integers; 1 USD = 1,000,000):"),
    { kind: "code", lang: "bash", text: creditsCurlSample(origin).code, run: "shell" },
    p(
      "The answer carries ",
      code("balance_micro_usd"),
      " and ",
      code("balance"),
      " (USD), what requests in flight are holding (",
      code("reserved"),
      "), and the balance's two parts: ",
      code("promotional_micro_usd"),
      " (free credit, with ",
      code("promotional_next_expiry"),
      ") and ",
      code("paid_micro_usd"),
      ".",
    ),
    h2("When it is used up"),
    p(
      "The next request that your balance cannot cover is refused with ",
      code("402 Payment Required"),
      " and nothing is charged (",
      link("When credit runs out", "/docs/out-of-credit"),
      "). Top up any amount from ",
      strong(formatUsd(centsToMicro(MIN_TOPUP_CENTS))),
      " on the billing page (",
      link("Adding a card", "/docs/adding-a-card"),
      ").",
    ),
  ],
};
