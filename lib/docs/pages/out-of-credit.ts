import { ERROR_CODES } from "@/lib/api/errors";
import { getCatalog } from "@/lib/catalog";
import { usdLabel } from "@/lib/catalog/public";
import { MIN_TOPUP_CENTS } from "@/lib/billing/topup";
import { centsToMicro, formatUsd } from "@/lib/money";
import { firstOf, insufficientCreditExample } from "../examples";
import { code, h2, link, p, strong, type Block, type DocPageSource } from "../types";

export const outOfCredit: DocPageSource = {
  slug: "out-of-credit",
  title: "When credit runs out",
  summary: () => "A request your balance cannot cover gets 402 Payment Required with a JSON error body before any work; nothing is charged.",
  blocks: async ({ origin }) => {
    const blocks: Block[] = [
      p(
        "Before any model work, each request holds its worst-case cost from your balance (",
        link("How we bill", "/docs/billing"),
        "). If your available balance cannot cover it, the API answers ",
        strong("402 Payment Required"),
        " at once, in the OpenAI error shape. The model is never called and nothing is charged; the balance never goes below zero.",
      ),
    ];
    const text = firstOf(getCatalog().models, "chat", "completion");
    if (text) {
      const ex = await insufficientCreditExample({ model: text, origin });
      blocks.push(
        h2("The 402 body"),
        p(
          "Example: a chat request to ",
          code(ex.model.id),
          ` with ${ex.inputTokens.toLocaleString("en-US")} input tokens and `,
          code(`max_tokens: ${ex.maxTokens}`),
          ` (worst case ${usdLabel(ex.worstCaseMicroUsd)}) from an account with ${usdLabel(ex.availableMicroUsd)} available:`,
        ),
        { kind: "code", lang: "json", testId: "example-402", text: JSON.stringify(ex.body, null, 2) },
        p(
          "For text models the message says the largest ",
          code("max_tokens"),
          " your balance covers, so a client can retry smaller. The response carries the rate-limit headers and ",
          code("x-request-id"),
          " like any other.",
        ),
      );
    }
    const rows = Object.entries(ERROR_CODES)
      .filter(([, v]) => v.status === 402)
      .map(([c, v]) => [[code(c)], [code(v.type)], [DESCRIPTIONS[c] ?? ""]]);
    blocks.push(
      h2("The kinds of 402"),
      p("All are ", code("402"), " with the same ", code("type"), "; the ", code("code"), " says which limit was hit:"),
      { kind: "table", testId: "codes-402", head: ["code", "type", "When"], rows },
      h2("Adding credit"),
      p(
        "Top up any amount from ",
        strong(formatUsd(centsToMicro(MIN_TOPUP_CENTS))),
        " on the billing page (",
        link("Adding a card", "/docs/adding-a-card"),
        "). The balance is credited immediately and the next request goes through. Credit added later is spent at the same per-model rates.",
      ),
    );
    return blocks;
  },
};

const DESCRIPTIONS: Record<string, string> = {
  insufficient_quota: "Your account's available balance cannot cover the request's worst case.",
  key_spend_limit_exceeded: "The API key's own spend limit (daily, weekly, monthly or total) would be exceeded; the account may still have credit.",
  max_cost_exceeded: "The request's worst case is above the max_cost you set on it (body field or x-max-cost header).",
  project_budget_exceeded:
    "The API key's project has a monthly budget, and this request's worst case would take the project's spend this month (UTC) above it; see Projects.",
  account_frozen:
    "A top-up was refunded or disputed after its credit had been spent: the account owes the difference and is frozen until a top-up pays it back (the billing page shows how much).",
};
