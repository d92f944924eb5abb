import { getCatalog, MODALITIES, type Modality } from "@/lib/catalog";
import { priceLines, usdLabel } from "@/lib/catalog/public";
import { COST_HEADER, COST_MICRO_HEADER, costMicroUsd } from "@/lib/metering/cost";
import { CREDIT_HEADER_DOCS } from "@/lib/metering/credit-headers";
import { formatUsd } from "@/lib/money";
import { firstOf, textCostExample } from "../examples";
import { code, h2, link, p, strong, type Block, type DocPageSource } from "../types";

export const MODALITY_LABELS: Record<Modality, string> = {
  chat: "Chat (text, reasoning)",
  completion: "Text completions",
  image: "Image generation",
  video: "Video generation",
  tts: "Text-to-speech",
  stt: "Speech-to-text",
  embedding: "Embeddings",
};

/** The billed unit of each modality, as the catalog's price lines name it ("per 1M input tokens"…). */
export function unitsTable(): { modality: Modality; label: string; units: string[]; models: string[] }[] {
  const models = getCatalog().models;
  return MODALITIES.flatMap((modality) => {
    const of = models.filter((m) => m.modality === modality);
    if (!of.length) return [];
    return [{ modality, label: MODALITY_LABELS[modality], units: priceLines(of[0]).map((l) => l.label), models: of.map((m) => m.id) }];
  });
}

export const billing: DocPageSource = {
  slug: "billing",
  title: "How we bill",
  summary: () => "Per request, in dollars, from prepaid credit: the unit billed for each model type and the exact rounding rule.",
  blocks: () => {
    const models = getCatalog().models;
    const blocks: Block[] = [
      p("Billing is in dollars and per request, from your prepaid balance. No bundles, no subscriptions. Each model type is billed by its own unit:"),
      {
        kind: "table",
        testId: "units-table",
        head: ["Model type", "Unit billed", "Models"],
        rows: unitsTable().map((u) => [[u.label], [u.units.join(" and ")], u.models.flatMap((id, i) => (i ? [", ", code(id)] : [code(id)]))]),
      },
      p("Each model's prices are in the ", link("API reference", "/docs/api-reference"), " and on ", code("GET /v1/models"), "."),
      h2("Rounding: up, once per request"),
      p(
        "A request's cost is the sum of its units times the model's prices, computed exactly in integer micro-dollars (1 USD = 1,000,000 micro-USD), then ",
        strong("rounded up once per request to a whole micro-dollar ($0.000001)"),
        ". Parts are never rounded separately.",
      ),
    ];
    const text = firstOf(models, "chat", "completion");
    if (text) {
      const [inTok, outTok] = [1_234, 567];
      const ex = textCostExample(text, inTok, outTok);
      blocks.push(
        p(
          "Example on ",
          code(text.id),
          ` (${usdLabel(text.pricing.inputMicroUsdPerMTokens)} per 1M input tokens, ${usdLabel(text.pricing.outputMicroUsdPerMTokens)} per 1M output tokens): `,
          `${inTok.toLocaleString("en-US")} input and ${outTok.toLocaleString("en-US")} output tokens cost exactly ${ex.exactMicroUsd} micro-USD; `,
          "the request is billed ",
          strong(`${ex.billedMicroUsd} micro-USD`),
          ` (${usdLabel(ex.billedMicroUsd)}).`,
        ),
      );
    }
    const stt = firstOf(models, "stt");
    if (stt) {
      const audioMs = 61_500;
      blocks.push(
        p(
          "Speech-to-text is billed on the duration measured from the audio file itself, to the millisecond: ",
          `61.5 seconds on `,
          code(stt.id),
          ` (${usdLabel(stt.pricing.microUsdPerMinute)} per minute) is billed `,
          strong(`${costMicroUsd(stt, { audioMs })} micro-USD`),
          ".",
        ),
      );
    }
    blocks.push(
      h2("Reserve, then settle"),
      {
        kind: "list",
        items: [
          [
            "Before any model work, the request's worst case is held from your balance: for text, the input plus ",
            code("max_tokens"),
            " of output (without ",
            code("max_tokens"),
            ", the model's maximum output, up to what its context leaves). For a model served by an upstream provider the input held is our count plus a quarter and 16 tokens, because the provider's own count is what is billed. If the balance cannot cover it the API answers ",
            code("402"),
            " before doing anything (",
            link("When credit runs out", "/docs/out-of-credit"),
            ").",
          ],
          [
            "On completion you pay for what was actually produced, and the rest of the hold is released at once. ",
            code("max_tokens"),
            " therefore caps a request's worst-case spend.",
          ],
          ["A streamed completion that you close early is billed for the tokens generated before the close."],
          ["Your balance never goes below zero, however many requests run at once."],
        ],
      },
      h2("Where the cost shows"),
      p(
        "JSON responses carry the exact cost in ",
        code("usage.cost"),
        " (USD, at most 6 decimals) and ",
        code("usage.cost_micro_usd"),
        " (integer). Audio and video content responses carry it in the ",
        code(COST_HEADER),
        " and ",
        code(COST_MICRO_HEADER),
        " headers. The dashboard shows every request's cost on the Usage page; balances are shown truncated to the cent (",
        code(formatUsd(9_999_999n)),
        " for 9,999,999 micro-USD), never rounded up.",
      ),
      p(
        code("usage.cost_source"),
        " says where the billed units came from: ",
        code("provider"),
        " (the model provider's reported usage, billed exactly) or ",
        code("estimate"),
        " (the provider reported none; our tokenizer's count of the request was billed).",
      ),
      h2("Credit headers"),
      p("Every ", code("/v1"), " response to a known key says what credit is left, beside the rate-limit headers:"),
      {
        kind: "table",
        testId: "credit-header-table",
        head: ["Header", "Meaning"],
        rows: CREDIT_HEADER_DOCS.map((h) => [[code(h.name)], [h.description]]),
      },
      h2("Billing details on your receipts"),
      p(
        "On the ",
        link("billing page", "/dashboard/billing"),
        " you can set the name (a company or a person), address and tax ID that your receipts are made out to. The tax ID is one of the common types Stripe supports (for example an EU VAT number such as ",
        code("DE123456789"),
        ", a UK VAT number, a US EIN or an Australian ABN), checked against its type's format; Stripe may refuse a number that does not fit it. ",
        "These details are kept on your customer record with our payment processor, Stripe, not copied into our database, and every receipt, earlier ones included, shows them under ",
        strong("Billed to"),
        " as they are when you open it.",
      ),
      h2("Refunds and disputes"),
      {
        kind: "list",
        items: [
          [
            "A top-up that is refunded to your card, or disputed with your bank (a chargeback), takes its credit back from your balance. If that credit was already spent, the rest is owed and the account is frozen (",
            code("402 account_frozen"),
            ") until a top-up pays it back (",
            link("When credit runs out", "/docs/out-of-credit"),
            ").",
          ],
          [
            "If a dispute is decided ",
            strong("in our favour"),
            " (the bank gives the payment back to us), everything the dispute took comes back to you at once: first it cancels what you owe because of it (unfreezing the account), then the rest is credited to your balance. That rest includes any part a later top-up had already paid back. You end exactly as if the payment had never been disputed; the billing page shows it as a second ",
            strong("Dispute"),
            " line with a positive amount.",
          ],
          [
            "A bank's inquiry about a payment takes the credit back when it opens, like a dispute; if it closes without becoming a dispute, the credit comes back the same way.",
          ],
          ["A dispute decided against us changes nothing more: the credit it took stays taken."],
        ],
      },
    );
    return blocks;
  },
};
