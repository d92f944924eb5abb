import type { z } from "zod";
import { ApiError } from "./errors";

// Request bodies are read defensively: wrong content type → 415, too big → 413 (checked
// on Content-Length and again while reading, since chunked bodies have none), bad JSON →
// 400, failed validation → 400 naming the field in `param`. Never a 500.

export const DEFAULT_JSON_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a JSON body may have (the body itself is level 1).
 * No OpenAI request needs more than a dozen levels; 64 leaves room for JSON-schema tool
 * parameters. Deeper bodies are refused before JSON.parse: validation (zod), re-encoding
 * for a provider and the provider's own parser all recurse, and a 50,000-deep value
 * overflowed the stack (a 500) or made the provider fail (a 502 that counted against its
 * circuit breaker). Documented in SECURITY.md.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays/objects deeper than `max`, found with one pass over the
 * characters (brackets inside strings do not count), so no recursion and no parse.
 * Malformed text is left to JSON.parse to report.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \\ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

function mediaType(req: Request): string {
  return (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
}

export function requireContentType(req: Request, accepted: string[]): void {
  const got = mediaType(req);
  if (!accepted.includes(got)) {
    throw new ApiError("unsupported_media_type", `Unsupported Content-Type ${got ? `"${got}"` : "(none)"}: this endpoint accepts ${accepted.join(" or ")}.`);
  }
}

/** Reads the whole body, refusing (413) as soon as it passes `maxBytes`. */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Uint8Array> {
  const tooBig = () => new ApiError("payload_too_large", `Request body is too large: the limit for this endpoint is ${maxBytes} bytes.`);
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooBig();
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw new ApiError("invalid_request", "The request body could not be read (connection closed early?).", { cause: err });
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    parts.push(chunk.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** "messages[0].content" from a zod path. */
export function paramName(path: readonly PropertyKey[]): string | null {
  if (!path.length) return null;
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const p of path) v = v == null ? undefined : (v as Record<PropertyKey, unknown>)[p];
  return v;
}

export function validationError(error: z.ZodError, input?: unknown): ApiError {
  const issue = error.issues[0];
  const param = paramName(issue.path);
  const missing = issue.code === "invalid_type" && issue.path.length > 0 && valueAt(input, issue.path) === undefined;
  const message = missing
    ? `Missing required parameter: '${param}'.`
    : param
      ? `Invalid value for '${param}': ${issue.message}`
      : `Invalid request body: ${issue.message}`;
  return new ApiError("invalid_request", message, { param });
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, value);
  return result.data;
}

// One decoder for every request: a whole-buffer decode keeps no state between calls, and
// constructing a fatal TextDecoder per request showed in CPU profiles (npm run bench -- profile).
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Content type, size, JSON syntax and schema, in that order. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S, opts: { maxBytes?: number } = {}): Promise<z.output<S>> {
  requireContentType(req, ["application/json"]);
  const bytes = await readBodyBytes(req, opts.maxBytes ?? DEFAULT_JSON_LIMIT_BYTES);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid UTF-8.");
  }
  if (!text.trim()) throw new ApiError("invalid_json", "The request body is empty; expected a JSON object.");
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new ApiError("invalid_request", `The JSON body is nested too deeply: at most ${MAX_JSON_DEPTH} levels of arrays and objects are accepted.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError("invalid_json", `We could not parse the JSON body of your request: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError("invalid_json", "The request body must be a JSON object.");
  }
  return parseWith(schema, value);
}

/** multipart/form-data with the same size rule (for uploads such as transcriptions). */
export async function readFormData(req: Request, opts: { maxBytes: number }): Promise<FormData> {
  requireContentType(req, ["multipart/form-data"]);
  const bytes = await readBodyBytes(req, opts.maxBytes);
  try {
    return await new Response(bytes as BodyInit, { headers: { "content-type": req.headers.get("content-type")! } }).formData();
  } catch {
    throw new ApiError("invalid_request", "The multipart/form-data body could not be parsed (check the boundary and parts).");
  }
}
