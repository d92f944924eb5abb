import { createHash } from "node:crypto";
import { contentText, countTextTokens, encodeText, tokenPieces, type ChatMessageLike } from "./tokens";
import type { StreamEvent, TextProvider, TextRequest, TextResult } from "./types";

// Deterministic text simulators: the same request always yields the same text, with real
// token counts from the tokenizer, cut at max_tokens exactly as a real model would be.
//   local/echo-chat        → the last user message, verbatim
//   local/lorem-chat       → placeholder prose seeded by the prompt, always max_tokens long
//   local/echo-completion  → the prompt, echoed
// Streams are paced (LOCAL_SIM_CHUNK_DELAY_MS, default 10 ms per token) like a real model.

const WORDS =
  "the of model token meter ledger credit stream request answer simple quiet river stone light signal garden window paper cloud number system metric careful steady bright early level open rapid gentle modern value field order market winter summer orange silver canvas harbor engine pattern moment reason".split(
    " ",
  );

function seed(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

function lorem(seedText: string, minTokens: number): string {
  let x = seed(seedText) || 1;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x);
  const sentences: string[] = [];
  let tokens = 0;
  while (tokens <= minTokens) {
    const len = 6 + (next() % 10);
    const words = Array.from({ length: len }, () => WORDS[next() % WORDS.length]);
    const s = words.join(" ");
    sentences.push(s[0].toUpperCase() + s.slice(1) + ".");
    tokens += len + 1;
  }
  return sentences.join(" ");
}

function promptOf(req: TextRequest): string {
  if (req.kind === "completion") {
    const p = req.body.prompt;
    return Array.isArray(p) ? p.join("") : String(p ?? "");
  }
  return JSON.stringify(req.body.messages);
}

/** The full (uncut) text the simulator would write, and its tokens cut at max_tokens. */
function generate(req: TextRequest): { tokens: number[]; finishReason: "stop" | "length" } {
  let text: string;
  if (req.model.id === "local/lorem-chat") {
    text = lorem(promptOf(req), req.maxTokens);
  } else if (req.kind === "chat") {
    const messages = (req.body.messages as ChatMessageLike[]) ?? [];
    const lastUser = [...messages].reverse().find((m) => m.role === "user");
    text = contentText(lastUser?.content) || "(empty message)";
  } else {
    text = promptOf(req) || "(empty prompt)";
  }
  const all = encodeText(text);
  return all.length > req.maxTokens ? { tokens: all.slice(0, req.maxTokens), finishReason: "length" } : { tokens: all, finishReason: "stop" };
}

function chunkBase(req: TextRequest) {
  return req.kind === "chat"
    ? { id: req.responseId, object: "chat.completion.chunk", created: req.created, model: req.model.id }
    : { id: req.responseId, object: "text_completion", created: req.created, model: req.model.id };
}

function delayMs(): number {
  const v = Number(process.env.LOCAL_SIM_CHUNK_DELAY_MS ?? 10);
  return Number.isFinite(v) && v >= 0 ? v : 10;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export const localTextProvider: TextProvider = {
  async complete(req: TextRequest): Promise<TextResult> {
    const { tokens, finishReason } = generate(req);
    const text = tokenPiecesText(tokens);
    const choice =
      req.kind === "chat"
        ? { index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: finishReason }
        : { index: 0, text, logprobs: null, finish_reason: finishReason };
    const object = req.kind === "chat" ? "chat.completion" : "text_completion";
    return {
      // No system_fingerprint: OpenAI's schema allows it absent, not null.
      body: { id: req.responseId, object, created: req.created, model: req.model.id, choices: [choice] },
      usage: { source: "provider", inputTokens: req.inputTokens, outputTokens: tokens.length },
    };
  },

  async stream(req: TextRequest) {
    const { tokens, finishReason } = generate(req);
    const base = chunkBase(req);
    const pace = delayMs();
    return (async function* (): AsyncGenerator<StreamEvent> {
      if (req.kind === "chat") {
        yield {
          type: "chunk",
          chunk: { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] },
          text: "",
          tokens: 0,
        };
      }
      for (const piece of tokenPieces(tokens)) {
        await sleep(pace, req.signal);
        if (req.signal.aborted) return;
        const choice =
          req.kind === "chat"
            ? { index: 0, delta: { content: piece.text }, logprobs: null, finish_reason: null }
            : { index: 0, text: piece.text, logprobs: null, finish_reason: null };
        yield { type: "chunk", chunk: { ...base, choices: [choice] }, text: piece.text, tokens: piece.tokens };
      }
      const last =
        req.kind === "chat"
          ? { index: 0, delta: {}, logprobs: null, finish_reason: finishReason }
          : { index: 0, text: "", logprobs: null, finish_reason: finishReason };
      yield { type: "chunk", chunk: { ...base, choices: [last] }, text: "", tokens: 0 };
      yield { type: "usage", usage: { source: "provider", inputTokens: req.inputTokens, outputTokens: tokens.length } };
    })();
  },
};

function tokenPiecesText(tokens: number[]): string {
  let s = "";
  for (const p of tokenPieces(tokens)) s += p.text;
  return s;
}

export { countTextTokens };
