import { countTokens, decode, encode } from "gpt-tokenizer";

// Real token counts (o200k_base via gpt-tokenizer). User text may contain strings that
// look like special tokens ("<|endoftext|>"); they are counted as ordinary text rather
// than rejected, so such input can never turn into a 500.
const ORDINARY = { disallowedSpecial: new Set<string>() };

export function countTextTokens(text: string): number {
  return text ? countTokens(text, ORDINARY) : 0;
}

export function encodeText(text: string): number[] {
  return text ? encode(text, ORDINARY) : [];
}

export { decode as decodeTokens };

export type ChatContent = string | null | undefined | Array<{ type: string; text?: string }>;
export type ChatMessageLike = { role: string; content?: ChatContent; name?: string; tool_calls?: unknown; function_call?: unknown };

export function contentText(content: ChatContent): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (p.type === "text" && typeof p.text === "string" ? p.text : "")).join("");
}

// OpenAI's documented accounting for chat prompts: every message costs 3 tokens of
// framing plus its role, content and name; the reply is primed with 3 more.
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

export function countChatTokens(messages: ChatMessageLike[], extra?: { tools?: unknown }): number {
  let total = REPLY_PRIMING;
  for (const m of messages) {
    total += PER_MESSAGE + countTextTokens(m.role) + countTextTokens(contentText(m.content));
    if (m.name) total += 1 + countTextTokens(m.name);
    if (m.tool_calls) total += countTextTokens(JSON.stringify(m.tool_calls));
    // The deprecated assistant function_call (answered by a role "function" message).
    if (m.function_call) total += countTextTokens(JSON.stringify(m.function_call));
  }
  if (extra?.tools) total += countTextTokens(JSON.stringify(extra.tools));
  return total;
}

/**
 * Splits tokens into text pieces for streaming, one token per piece where possible.
 * A token that ends inside a multi-byte character is joined with the next ones, so no
 * piece carries a broken character. Each piece says how many tokens it holds.
 */
export function* tokenPieces(tokens: number[]): Generator<{ text: string; tokens: number }> {
  let group: number[] = [];
  for (const t of tokens) {
    group.push(t);
    const text = decode(group);
    if (text.includes("\uFFFD") && group.length < 4) continue;
    yield { text, tokens: group.length };
    group = [];
  }
  if (group.length) yield { text: decode(group), tokens: group.length };
}
