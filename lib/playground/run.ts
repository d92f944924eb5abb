import { requestOf, type ApiCall } from "@/lib/docs/samples";
import { readSse } from "./sse";

// The dashboard playground's requests: the very requests the docs samples show
// (requestOf() of the same ApiCall), sent to /v1 with an API key like any client, so limits
// and billing are the API's own. Runs in the browser; tests run it against the app in process.

export type RunOptions = {
  fetch: typeof fetch;
  /** This deployment's origin; requests go to `${origin}/v1/...`. */
  origin: string;
  apiKey: string;
  signal?: AbortSignal;
  /** Streams: the text so far, each time a piece arrives. */
  onText?: (text: string) => void;
  /** Videos: the job's progress (0-100) while it renders. */
  onProgress?: (progress: number) => void;
  /** Transcriptions: the audio to upload. */
  file?: Blob;
  /** Videos: how often to poll the job. */
  pollMs?: number;
};

export type RunResult = {
  text?: string;
  embedding?: { dimensions: number; head: number[] };
  /** Images as data: URLs. */
  images?: string[];
  /** Audio or video bytes, with their content type. */
  media?: { blob: Blob; contentType: string };
  /** What the request cost, as the API reported it (usage or the x-cost-micro-usd header). */
  costMicroUsd: number | null;
  requestId: string | null;
  /** The final JSON body (or the stream's last usage), to show as is. */
  json?: unknown;
};

export class PlaygroundError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

async function failIfError(res: Response): Promise<void> {
  if (res.ok) return;
  let message = `HTTP ${res.status}`;
  let code: string | null = null;
  try {
    const body = (await res.json()) as { error?: { message?: string; code?: string } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
  } catch {
    // not JSON: keep the status
  }
  throw new PlaygroundError(res.status, message, code);
}

const costOf = (usage: unknown): number | null =>
  usage && typeof usage === "object" && typeof (usage as { cost_micro_usd?: unknown }).cost_micro_usd === "number"
    ? (usage as { cost_micro_usd: number }).cost_micro_usd
    : null;

const headerCost = (res: Response) => {
  const h = res.headers.get("x-cost-micro-usd");
  return h === null ? null : Number(h);
};

export async function runCall(call: ApiCall, opts: RunOptions): Promise<RunResult> {
  const { method, path, body } = requestOf(call);
  const headers: Record<string, string> = { authorization: `Bearer ${opts.apiKey}` };
  let payload: BodyInit | undefined;
  if (call.kind === "transcription") {
    if (!opts.file) throw new PlaygroundError(400, "Choose an audio file to transcribe.");
    const form = new FormData();
    form.set("model", call.model);
    form.set("file", opts.file, call.file);
    payload = form;
  } else if (body) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await opts.fetch(`${opts.origin}${path}`, { method, headers, body: payload, signal: opts.signal });
  await failIfError(res);
  const requestId = res.headers.get("x-request-id");

  const streamed = (call.kind === "chat" || call.kind === "completion" || call.kind === "response") && call.stream;
  if (streamed) {
    let text = "";
    let usage: unknown = null;
    let streamError: string | null = null;
    await readSse(res.body!, ({ data }) => {
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data);
      if (chunk.error) streamError = chunk.error.message ?? "The stream failed.";
      let piece = "";
      if (call.kind === "chat") piece = chunk.choices?.[0]?.delta?.content ?? "";
      else if (call.kind === "completion") piece = chunk.choices?.[0]?.text ?? "";
      else if (chunk.type === "response.output_text.delta") piece = chunk.delta ?? "";
      if (call.kind === "response" && chunk.type === "response.completed") usage = chunk.response?.usage ?? null;
      else if (chunk.usage) usage = chunk.usage;
      if (piece) {
        text += piece;
        opts.onText?.(text);
      }
    });
    if (streamError) throw new PlaygroundError(res.status, streamError);
    return { text, costMicroUsd: costOf(usage), requestId, json: usage };
  }

  switch (call.kind) {
    case "speech": {
      const contentType = res.headers.get("content-type") ?? "application/octet-stream";
      const blob = new Blob([await res.arrayBuffer()], { type: contentType });
      return { media: { blob, contentType }, costMicroUsd: headerCost(res), requestId };
    }
    case "video": {
      let job = (await res.json()) as { id: string; status: string; progress: number; usage: unknown; error: { message: string } | null };
      while (job.status === "queued" || job.status === "in_progress") {
        opts.onProgress?.(job.progress);
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
        const poll = await opts.fetch(`${opts.origin}/v1/videos/${job.id}`, { headers: { authorization: headers.authorization }, signal: opts.signal });
        await failIfError(poll);
        job = await poll.json();
      }
      if (job.status !== "completed") throw new PlaygroundError(200, job.error?.message ?? `The video job ended ${job.status}.`);
      opts.onProgress?.(100);
      const content = await opts.fetch(`${opts.origin}/v1/videos/${job.id}/content`, {
        headers: { authorization: headers.authorization },
        signal: opts.signal,
      });
      await failIfError(content);
      const contentType = content.headers.get("content-type") ?? "video/mp4";
      const blob = new Blob([await content.arrayBuffer()], { type: contentType });
      return { media: { blob, contentType }, costMicroUsd: costOf(job.usage), requestId, json: job };
    }
    default: {
      type Body = {
        usage?: unknown;
        choices?: { message?: { content?: string | null }; text?: string }[];
        output_text?: string;
        text?: string;
        data?: { embedding?: number[]; b64_json?: string; url?: string }[];
      };
      const json = (await res.json()) as Body;
      const result: RunResult = { costMicroUsd: costOf(json.usage), requestId, json };
      if (call.kind === "chat") result.text = json.choices?.[0]?.message?.content ?? "";
      if (call.kind === "completion") result.text = json.choices?.[0]?.text ?? "";
      if (call.kind === "response") result.text = json.output_text ?? "";
      if (call.kind === "transcription") result.text = json.text ?? "";
      if (call.kind === "embedding") {
        const v = json.data?.[0]?.embedding ?? [];
        result.embedding = { dimensions: v.length, head: v.slice(0, 8) };
        result.json = { ...json, data: json.data?.map((d) => ({ ...d, embedding: `[${d.embedding?.length ?? 0} numbers]` })) };
      }
      if (call.kind === "image") {
        result.images = (json.data ?? []).map((d) => (d.b64_json ? `data:image/png;base64,${d.b64_json}` : d.url!));
        result.json = {
          ...json,
          data: json.data?.map((d) => ({ ...d, b64_json: d.b64_json ? `${d.b64_json.slice(0, 24)}…` : undefined })),
        };
      }
      return result;
    }
  }
}

export type Credits = { balance_micro_usd: number; reserved_micro_usd: number; available_micro_usd: number };

/** GET /v1/credits with the same key: the balance after the request. */
export async function readCredits(opts: Pick<RunOptions, "fetch" | "origin" | "apiKey" | "signal">): Promise<Credits> {
  const res = await opts.fetch(`${opts.origin}/v1/credits`, { headers: { authorization: `Bearer ${opts.apiKey}` }, signal: opts.signal });
  await failIfError(res);
  return (await res.json()) as Credits;
}
