import { ERROR_CODES } from "@/lib/api/errors";
import { API_KEY_PREFIX } from "@/lib/api-keys";
import { getCatalog } from "@/lib/catalog";
import { limitLines, priceLines, usdLabel } from "@/lib/catalog/public";
import { COST_HEADER, COST_MICRO_HEADER } from "@/lib/metering/cost";
import { CREDIT_HEADER_DOCS } from "@/lib/metering/credit-headers";
import { RATE_LIMIT_HEADERS } from "@/lib/ratelimit/tiers";
import { MODALITY_LABELS } from "./billing";
import { code, h2, link, p, type DocPageSource } from "../types";
import { ENDPOINTS, withCode } from "./api-reference-data";
import { ENDPOINT_PAGE_DEFS, endpointLinks, endpointSlug } from "./endpoints";

export { ENDPOINTS } from "./api-reference-data";

export const apiReference: DocPageSource = {
  slug: "api-reference",
  title: "API reference",
  summary: () =>
    "OpenAI-compatible endpoints under /v1, authentication, headers, error codes, every model with its prices, and a page per endpoint with examples.",
  blocks: ({ origin }) => [
    p(
      "The API is OpenAI-compatible: point any OpenAI SDK at ",
      code(`${origin}/v1`),
      " and use a key from the dashboard (keys start with ",
      code(API_KEY_PREFIX),
      ") as a bearer token: ",
      code(`Authorization: Bearer ${API_KEY_PREFIX}…`),
      ". The quick start is on the ",
      link("docs home", "/docs"),
      ".",
    ),
    p(
      "Each endpoint has its own page, with a request and its response in curl, Node and Python (the official ",
      code("openai"),
      " packages): ",
      ...endpointLinks(),
      ".",
    ),
    h2("Endpoints"),
    {
      kind: "table",
      testId: "endpoints",
      head: ["Method", "Path", "What", "Reference"],
      rows: ENDPOINTS.map((e) => {
        const page = ENDPOINT_PAGE_DEFS.find((d) => d.paths.includes(e.path));
        return [[e.method], [code(e.path)], withCode(e.what), page ? [link(page.title, `/docs/${endpointSlug(page.id)}`)] : []];
      }),
    },
    h2("Models"),
    p(
      "Prices are per request in USD, by the unit of each model type (",
      link("How we bill", "/docs/billing"),
      "). Models marked simulator are built in and deterministic, for trying the API and for tests.",
    ),
    {
      kind: "table",
      testId: "models",
      head: ["Model", "Type", "Price", "Limits"],
      rows: getCatalog().models.map((m) => [
        [code(m.id), ...(m.simulator ? [" (simulator)"] : [])],
        [MODALITY_LABELS[m.modality]],
        [
          priceLines(m)
            .map((l) => `${usdLabel(l.microUsd)} ${l.label}`)
            .join("; "),
        ],
        [limitLines(m).join("; ")],
      ]),
    },
    p(
      "When a model's provider fails before answering (cannot be reached, times out before its first byte, answers 5xx or 429), the next provider configured for the model is tried; once a byte of the answer has reached you nothing is retried. If every provider is over capacity the answer is a 429 with ",
      code("Retry-After"),
      ", type ",
      code("provider_capacity"),
      " and code ",
      code("provider_rate_limited"),
      " (your key's own limit is code ",
      code("rate_limit_exceeded"),
      "); a provider failure is a 502. A request no provider served costs nothing.",
    ),
    h2("Response headers"),
    {
      kind: "table",
      head: ["Header", "On"],
      rows: [
        [[code("x-request-id")], ["Every response. Quote it when asking about a request."]],
        [
          [code(RATE_LIMIT_HEADERS.limit), ", ", code(RATE_LIMIT_HEADERS.remaining), ", ", code(RATE_LIMIT_HEADERS.reset)],
          ["Every response once the key is known (", link("Rate limits", "/docs/rate-limits"), ")."],
        ],
        [[code("retry-after")], ["429 responses."]],
        ...CREDIT_HEADER_DOCS.map((h) => [[code(h.name)], [h.description]]),
        [[code(COST_HEADER), ", ", code(COST_MICRO_HEADER)], ["Audio and video content responses, whose cost cannot be in a JSON body."]],
      ],
    },
    h2("Errors"),
    p("Errors use the OpenAI shape ", code('{"error": {"message", "type", "param", "code"}}'), ". Bad input is a 400 that says what is wrong."),
    {
      kind: "table",
      testId: "error-codes",
      head: ["HTTP status", "code", "type"],
      rows: Object.entries(ERROR_CODES).map(([c, v]) => [[String(v.status)], [code(c)], [code(v.type)]]),
    },
  ],
};
