import { getCatalog, type CatalogModel } from "@/lib/catalog";
import { COST_MICRO_HEADER } from "@/lib/metering/cost";
import { LOCAL_SPEECH_FORMATS, SPEECH_FORMATS } from "@/lib/providers/media/speech";
import { TRANSCRIPTION_FORMATS } from "@/lib/providers/media/transcription";
import { TEXT_PARAMETERS } from "@/lib/providers/text/parameters";
import { RESPONSES_PARAMETERS } from "@/lib/responses/translate";
import { endpointExamples, type EndpointExample, type EndpointId, type ModelRef } from "../endpoint-examples";
import RESPONSE_EXAMPLES from "../response-examples.json";
import { samplesFor } from "../samples";
import { code, h2, link, p, type Block, type DocPageSource, type Inline } from "../types";
import { ENDPOINTS, withCode } from "./api-reference-data";

// The API reference, one page per endpoint (/docs/api-reference/<id>): what it does, its
// routes, then each example as a request in curl, Node and Python and the response it gets.
// The responses are recorded from the running API by tests/integration/docs-responses.test.ts,
// which fails when a live response no longer has the recorded shape.

export const API_REFERENCE_SLUG = "api-reference";

type EndpointPageDef = { id: EndpointId; title: string; summary: string; paths: string[]; extra?: () => Block[] };

/** The catalog's models as the examples need them (ids, modality, image sizes). */
export function modelRefs(models: readonly CatalogModel[]): ModelRef[] {
  return models.map((m) => ({ id: m.id, modality: m.modality, ...(m.modality === "image" ? { sizes: m.limits.sizes } : {}) }));
}

const parametersTable = (kind: "chat" | "completion"): Block => ({
  kind: "table",
  testId: `${kind}-parameters`,
  head: ["Parameter", "Policy", "How"],
  rows: TEXT_PARAMETERS.filter((r) => r.kinds.includes(kind)).map((r) => [[code(r.name)], [r.policy === "ours" ? "ours (not sent)" : r.policy], [r.note]]),
});

const TEXT_PASS_THROUGH = p(
  "Requests reach the model's provider as you sent them: only the model id is mapped to the provider's, and on streams ",
  code("stream_options.include_usage"),
  " is set so usage can be metered (its usage chunk reaches you only if you asked for it). Nothing else is added: without ",
  code("max_tokens"),
  " or ",
  code("max_completion_tokens"),
  " no cap is sent, and the model's maximum output is reserved. Every parameter that can change the price is priced or refused with a 400 naming it; parameters not listed are forwarded unchanged and the provider decides.",
);

export const ENDPOINT_PAGE_DEFS: readonly EndpointPageDef[] = [
  {
    id: "chat-completions",
    title: "Chat completions",
    summary: "POST /v1/chat/completions: messages in, a reply out, streamed or not, billed per token.",
    paths: ["/v1/chat/completions"],
    extra: () => [h2("Parameters: priced, forwarded, refused"), TEXT_PASS_THROUGH, parametersTable("chat")],
  },
  {
    id: "completions",
    title: "Completions",
    summary: "POST /v1/completions: the legacy text completion, billed per token.",
    paths: ["/v1/completions"],
    extra: () => [h2("Parameters: priced, forwarded, refused"), TEXT_PASS_THROUGH, parametersTable("completion")],
  },
  {
    id: "responses",
    title: "Responses",
    summary: "POST /v1/responses: the Responses API on every chat model, billed like chat.",
    paths: ["/v1/responses"],
    extra: () => [
      h2("What becomes of each parameter"),
      p(
        "A request is translated to a chat completion (billed and limited like one) and the answer told back as a Response or its events. Responses are not stored, and there are no tools; a parameter not listed here is refused with a 400 naming it.",
      ),
      {
        kind: "table",
        testId: "responses-parameters",
        head: ["Parameter", "Policy", "How"],
        rows: RESPONSES_PARAMETERS.map((r) => [[code(r.name)], [r.policy === "ours" ? "ours (not sent)" : r.policy], [r.note]]),
      },
    ],
  },
  { id: "embeddings", title: "Embeddings", summary: "POST /v1/embeddings: vectors for texts, billed per input token.", paths: ["/v1/embeddings"] },
  {
    id: "images",
    title: "Images",
    summary: "POST /v1/images/generations: images from a prompt, billed per image.",
    paths: ["/v1/images/generations"],
    extra: () => [
      h2("Notes"),
      p(
        "The body is forwarded as sent (no ",
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
        " reserve the most expensive combination you left to the provider and are billed at the one it used. ",
        code("response_format"),
        " ",
        code("url"),
        " answers links to the images, valid for a limited time.",
      ),
    ],
  },
  {
    id: "speech",
    title: "Speech",
    summary: "POST /v1/audio/speech: text to audio, billed per character; the cost is in the response headers.",
    paths: ["/v1/audio/speech"],
    extra: () => [
      h2("Audio formats"),
      p(
        code("response_format"),
        " is one of ",
        ...SPEECH_FORMATS.flatMap((f, i) => [...(i ? [", "] : []), code(f)]),
        "; without it the answer is ",
        code("mp3"),
        " (",
        code("audio/mpeg"),
        "), as OpenAI's. The built-in simulator encodes ",
        ...LOCAL_SPEECH_FORMATS.flatMap((f, i) => [...(i ? [", "] : []), code(f)]),
        " and refuses the others with a 400 naming these. The charge is in the ",
        code(COST_MICRO_HEADER),
        " header, since the body is the audio.",
      ),
    ],
  },
  {
    id: "transcriptions",
    title: "Transcriptions",
    summary: "POST /v1/audio/transcriptions: audio to text, billed on the duration measured from the file.",
    paths: ["/v1/audio/transcriptions"],
    extra: () => [
      h2("Formats"),
      p(
        "Upload WAV, MP3, FLAC, M4A, WebM or Ogg audio as multipart form data. ",
        code("response_format"),
        " is one of ",
        ...TRANSCRIPTION_FORMATS.flatMap((f, i) => [...(i ? [", "] : []), code(f)]),
        ". The example sends the file the speech example wrote.",
      ),
    ],
  },
  {
    id: "videos",
    title: "Videos",
    summary: "POST /v1/videos and its job routes: a video from a prompt as an MP4, billed per second.",
    paths: ["/v1/videos", "/v1/videos/{id}", "/v1/videos/{id}/content"],
    extra: () => [
      h2("The job"),
      p(
        "Creating a video reserves its seconds at the model's price and answers a job (",
        code('"status": "queued"'),
        "). Poll it until it is ",
        code("completed"),
        " (charged for the seconds rendered, shown in ",
        code("usage"),
        ") or ",
        code("failed"),
        " (nothing charged), then download the content: an H.264 MP4 (",
        code("video/mp4"),
        "), or with ",
        code("variant=thumbnail"),
        " its first frame as a JPEG. The response shown is the finished job.",
      ),
    ],
  },
  { id: "models", title: "Models", summary: "GET /v1/models: every model with its prices and limits.", paths: ["/v1/models", "/v1/models/{id}"] },
  {
    id: "credits",
    title: "Credits",
    summary: "GET /v1/credits: your balance, what is held for requests in flight, and what you can spend.",
    paths: ["/v1/credits"],
    extra: () => [p("Not an OpenAI endpoint: the SDKs reach it with their generic request methods, as shown, with the same key and base URL.")],
  },
];

export const endpointSlug = (id: EndpointId) => `${API_REFERENCE_SLUG}/${id}`;

type Recorded = { json?: unknown; sse?: string; headers?: Record<string, string> };

function responseBlock(ex: EndpointExample): Block[] {
  const rec = (RESPONSE_EXAMPLES as Record<string, Recorded>)[ex.id];
  if (!rec) return [];
  const text =
    ex.response === "sse"
      ? (rec.sse ?? "")
      : ex.response === "headers"
        ? Object.entries(rec.headers ?? {})
            .map(([k, v]) => `${k}: ${v}`)
            .join("\n")
        : JSON.stringify(rec.json, null, 2);
  const caption =
    ex.response === "sse"
      ? "Response (server-sent events)"
      : ex.response === "headers"
        ? "Response headers (the body is the audio)"
        : ex.id === "video"
          ? "Response: the finished job"
          : "Response";
  return [{ kind: "code", lang: ex.response === "json" ? "json" : "text", text, caption, testId: `response-${ex.id}` }];
}

export function endpointBlocks(def: EndpointPageDef, origin: string, models: readonly ModelRef[]): Block[] {
  const routes = ENDPOINTS.filter((e) => def.paths.includes(e.path));
  const blocks: Block[] = [
    { kind: "table", testId: "endpoint-routes", head: ["Method", "Path", "What"], rows: routes.map((e) => [[e.method], [code(e.path)], withCode(e.what)]) },
    p(
      "Base URL ",
      code(`${origin}/v1`),
      ", a key from the dashboard as a bearer token. All endpoints: ",
      link("API reference", `/docs/${API_REFERENCE_SLUG}`),
      ".",
    ),
  ];
  const examples = endpointExamples(def.id, models);
  if (examples.length === 0) blocks.push(p("No model of this type is configured on this deployment."));
  for (const ex of examples) {
    blocks.push(h2(ex.title));
    for (const s of samplesFor(origin, ex.call, ex.id)) {
      blocks.push({ kind: "code", lang: s.lang, text: s.code, caption: s.title, testId: `sample-${s.id}`, run: s.run });
    }
    blocks.push(...responseBlock(ex));
  }
  return [...blocks, ...(def.extra?.() ?? [])];
}

export const ENDPOINT_PAGES: readonly DocPageSource[] = ENDPOINT_PAGE_DEFS.map((def) => ({
  slug: endpointSlug(def.id),
  title: def.title,
  summary: () => def.summary,
  blocks: ({ origin }) => endpointBlocks(def, origin, modelRefs(getCatalog().models)),
}));

/** Inline links to every endpoint page, for the reference's overview. */
export function endpointLinks(): Inline[] {
  return ENDPOINT_PAGE_DEFS.flatMap((d, i) => [...(i ? [", "] : []), link(d.title, `/docs/${endpointSlug(d.id)}`)]);
}
