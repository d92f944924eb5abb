import { code, type Inline } from "../types";

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
export const withCode = (s: string): Inline[] =>
  s
    .split(/(`[^`]+`)/)
    .filter(Boolean)
    .map((part) => (part.startsWith("`") ? code(part.slice(1, -1)) : part));
