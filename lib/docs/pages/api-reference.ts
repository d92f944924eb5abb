import { ERROR_CODES } from "@/lib/api/errors";
import { API_KEY_PREFIX } from "@/lib/api-keys";
import { getCatalog } from "@/lib/catalog";
import { limitLines, priceLines, usdLabel } from "@/lib/catalog/public";
import { COST_HEADER, COST_MICRO_HEADER } from "@/lib/metering/cost";
import { CREDIT_HEADER_DOCS } from "@/lib/metering/credit-headers";
import { RATE_LIMIT_HEADERS } from "@/lib/ratelimit/tiers";
import { TEXT_PARAMETERS } from "@/lib/providers/text/parameters";
import { RESPONSES_PARAMETERS } from "@/lib/responses/translate";
import { MODALITY_LABELS } from "./billing";
import { code, h2, link, p, type DocPageSource, type Inline } from "../types";

/** Every /v1 endpoint. tests/integration/docs.test.ts checks each one exists with that method. */
export const ENDPOINTS: { method: "GET" | "POST" | "DELETE"; path: string; what: string }[] = [
  { method: "GET", path: "/v1/models", what: "The models, with their prices and limits." },
  {
    method: "GET",
    path: "/v1/models/{id}",
    what: "One model, same fields as the list; ids contain `/`, sent encoded (`local%2Fecho-chat`, as the SDKs do) or not.",
  },
  { method: "POST", path: "/v1/chat/completions", what: "Chat completion; `stream: true` and `stream_options.include_usage` supported." },
  { method: "POST", path: "/v1/completions", what: "Text completion." },
  {
    method: "POST",
    path: "/v1/responses",
    what: "The Responses API on every chat model, billed like chat: `input` as text or messages (`input_text` parts), `instructions`, `max_output_tokens`, `temperature`, `top_p`, `text.format`; `stream: true` sends OpenAI's events (`response.created` … `response.output_text.delta` … `response.completed` with usage and cost), and a stream closed early is billed for the tokens delivered. Responses are not stored: `store: true`, `previous_response_id`, `conversation`, `background`, tools and non-text input are refused with a 400 naming the parameter.",
  },
  {
    method: "POST",
    path: "/v1/embeddings",
    what: "Embeddings, billed per input token; `input` as a string, strings or token ids; `dimensions`; `encoding_format` `float` or `base64`.",
  },
  { method: "POST", path: "/v1/images/generations", what: "Image generation (`n` images, `b64_json` or `url`)." },
  { method: "POST", path: "/v1/audio/speech", what: "Text-to-speech; returns audio bytes, cost in headers." },
  {
    method: "POST",
    path: "/v1/audio/transcriptions",
    what: "Speech-to-text (multipart upload); duration measured from the audio. Repeated fields keep every value: `timestamp_granularities[]` `word` and/or `segment` (with `verbose_json`).",
  },
  { method: "POST", path: "/v1/videos", what: "Start a video generation job." },
  {
    method: "POST",
    path: "/v1/quote",
    what: 'A price before the call: `{"path": "/v1/chat/completions", "body": {…}}` (any of the POST endpoints above with the body you would send; a transcription\'s audio as base64 in `body.file`) answers the worst case the request would hold (`worst_case_cost`, `worst_case_cost_micro_usd`), the `units` assumed, `affordable` (and `refusals`: the 402 codes it would get now) and `credit_remaining`. Same checks and errors as the request itself; no model is called and nothing is charged.',
  },
  {
    method: "GET",
    path: "/v1/videos",
    what: "List your video jobs, newest first: `limit` (0-100, default 20), `order` (`asc`/`desc`), `after` (the previous page's `last_id`) until `has_more` is false.",
  },
  { method: "GET", path: "/v1/videos/{id}", what: "A video job's status." },
  {
    method: "DELETE",
    path: "/v1/videos/{id}",
    what: "Delete a finished (completed or failed) video job and its content; a job still queued or rendering is refused with a 400 (it holds its credit until it ends).",
  },
  { method: "GET", path: "/v1/videos/{id}/content", what: "The finished video; cost in headers." },
  {
    method: "GET",
    path: "/v1/credits",
    what: "Your balance (`balance_micro_usd`, `balance`), what is held for requests in flight (`reserved_micro_usd`; while you send several requests a second this includes a block of up to $2 set aside for them, returned half a second after you stop), what you can spend (`available_micro_usd`), the balance's two kinds (`promotional_micro_usd`: free credit and grants, spent first and expiring, the soonest in `promotional_next_expiry`; `paid_micro_usd`: top-ups), and the key's spend limit. It always includes the charges of your answers already received.",
  },
];

// `inline code` inside the short descriptions above.
const withCode = (s: string): Inline[] =>
  s
    .split(/(`[^`]+`)/)
    .filter(Boolean)
    .map((part) => (part.startsWith("`") ? code(part.slice(1, -1)) : part));

export const apiReference: DocPageSource = {
  slug: "api-reference",
  title: "API reference",
  summary: () => "OpenAI-compatible endpoints under /v1, authentication, headers, error codes, and every model with its prices.",
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
    h2("Endpoints"),
    { kind: "table", testId: "endpoints", head: ["Method", "Path", "What"], rows: ENDPOINTS.map((e) => [[e.method], [code(e.path)], withCode(e.what)]) },
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
    h2("Request parameters: priced, forwarded, refused"),
    p(
      "Chat and completion requests reach the model's provider as you sent them: only the model id is mapped to the provider's, and on streams ",
      code("stream_options.include_usage"),
      " is set so usage can be metered (its usage chunk reaches you only if you asked for it). Nothing else is added: without ",
      code("max_tokens"),
      " or ",
      code("max_completion_tokens"),
      " no cap is sent, and the model's maximum output is reserved. Every parameter that can change the price is priced or refused with a 400 naming it; parameters not listed are forwarded unchanged and the provider decides (its refusal reaches you with its message, param and code).",
    ),
    {
      kind: "table",
      testId: "text-parameters",
      head: ["Parameter", "Endpoints", "Policy", "How"],
      rows: TEXT_PARAMETERS.map((r) => [
        [code(r.name)],
        [r.kinds.map((k) => (k === "chat" ? "chat" : "completions")).join(", ")],
        [r.policy === "ours" ? "ours (not sent)" : r.policy],
        [r.note],
      ]),
    },
    h2("POST /v1/responses: what becomes of each parameter"),
    p(
      "The Responses API runs on the chat path of every chat model: a request is translated to a chat completion (billed and limited like one) and the answer told back as a Response or its events. Responses are not stored, and there are no tools; a parameter not listed here is refused with a 400 naming it.",
    ),
    {
      kind: "table",
      testId: "responses-parameters",
      head: ["Parameter", "Policy", "How"],
      rows: RESPONSES_PARAMETERS.map((r) => [[code(r.name)], [r.policy === "ours" ? "ours (not sent)" : r.policy], [r.note]]),
    },
    p(
      "Image generation: the body is forwarded as sent (no ",
      code("response_format"),
      ", ",
      code("size"),
      " or ",
      code("n"),
      " added). ",
      code("n"),
      " images are reserved; models priced by ",
      code("quality"),
      " and ",
      code("size"),
      " reserve the most expensive combination you left to the provider and are billed at the one it used.",
    ),
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
