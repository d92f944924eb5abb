import { afterAll, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { createApiKey } from "@/lib/api-keys";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { appFetch } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { integrationApp } from "@/tests/helpers/fixture";

// Issue 8, point 3: bad input at every /v1 route. fast-check generates bodies (random JSON,
// one field of a valid body swapped for a value of the wrong type or range, huge strings,
// deep nesting, invalid UTF-8), headers (content types, missing or garbled Authorization),
// multipart payloads (truncated, wrong audio, missing parts), query strings and path ids.
// Every answer must be a 4xx with the OpenAI error shape and an x-request-id, never a 5xx,
// and nothing may ever be charged: after every single request the account still has no
// usage ledger entry, no reservation and its full $10. The seed is printed on failure by
// fast-check; FUZZ_SEED=<n> replays a run, FUZZ_RUNS scales the number of runs.

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const SCALE = Number(process.env.FUZZ_RUNS_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)), seed: SEED, endOnFailure: true });
const START = 10_000_000n;

const app = integrationApp();
let accountId: string;
const secrets: string[] = [];
let calls = 0;
let keyTurn = 0;

// A fresh account per property, so one finding does not cascade into the others.
beforeEach(async () => {
  const a = await makeAccountWithKey(app.db); // Paid tier, 300/min per key: 24 keys keep the limiter out of the way
  accountId = a.accountId;
  secrets.length = 0;
  secrets.push(a.secret);
  for (let i = 1; i < 24; i++) secrets.push((await createApiKey(app.db, { accountId, userId: a.userId, name: `fuzz-${i}` })).secret);
});
afterAll(async () => {
  console.log(`[fuzz-v1] ${calls} generated requests, none charged`);
});

const key = () => secrets[keyTurn++ % secrets.length];

async function nothingCharged(): Promise<void> {
  const [r] = await rows<{ balance: string; reserved: string; usage: number; open: number }>(
    app.db,
    sql`select balance_micro_usd::text as balance, reserved_micro_usd::text as reserved,
               (select count(*)::int from ledger_entries where account_id = ${accountId} and kind = 'usage') as usage,
               (select count(*)::int from reservations where account_id = ${accountId}) as open
          from billing_accounts where id = ${accountId}`,
  );
  expect({ balance: BigInt(r.balance), reserved: BigInt(r.reserved), usage: r.usage, open: r.open }).toEqual({
    balance: START,
    reserved: 0n,
    usage: 0,
    open: 0,
  });
}

type Sent = { method?: string; path: string; headers?: Record<string, string>; body?: BodyInit | null; auth?: string | null };

/** One request; asserts the OpenAI-shaped 4xx and that nothing was charged. Returns the status. */
async function expect4xx(req: Sent, allowed: (status: number) => boolean = (s) => s >= 400 && s < 500): Promise<number> {
  calls++;
  const headers = new Headers(req.headers);
  const auth = req.auth === undefined ? `Bearer ${key()}` : req.auth;
  if (auth !== null) headers.set("authorization", auth);
  const res = await appFetch(`http://app.test${req.path}`, { method: req.method ?? "POST", headers, body: req.body ?? null });
  const text = await res.text();
  const where = `${req.method ?? "POST"} ${req.path} -> ${res.status} ${text.slice(0, 300)}`;
  expect(allowed(res.status), where).toBe(true);
  expect(res.headers.get("x-request-id"), where).toMatch(/^req_/);
  if (res.status >= 400) {
    expect(res.headers.get("content-type"), where).toContain("application/json");
    const body = JSON.parse(text);
    expect(Object.keys(body), where).toEqual(["error"]);
    expect(typeof body.error.message, where).toBe("string");
    expect(body.error.message.length, where).toBeGreaterThan(0);
    expect(typeof body.error.type, where).toBe("string");
    expect(body.error.param === null || typeof body.error.param === "string", where).toBe(true);
    expect(body.error.code === null || typeof body.error.code === "string", where).toBe(true);
    expect(Object.keys(body.error).sort(), where).toEqual(["code", "message", "param", "type"]);
    expect(text, where).not.toMatch(/\bat .+\.(ts|js):\d+|postgres|drizzle|select |insert /i);
  }
  await nothingCharged();
  return res.status;
}

const json = (path: string, body: unknown, headers: Record<string, string> = {}): Sent => ({
  path,
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

// ---- generators --------------------------------------------------------------------------

const POST_ROUTES = [
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/images/generations",
  "/v1/audio/speech",
  "/v1/videos",
  "/v1/embeddings",
  "/v1/responses",
] as const;
const anyJson = fc.jsonValue({ maxDepth: 4 });
// Doubles must be finite: JSON.stringify turns NaN and ±Infinity into null, which for an
// optional field means "absent", a valid request (the fuzzer found exactly that).
const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
const notString = fc.oneof(
  fc.integer(),
  finiteDouble,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
const notNumber = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);
const notBool = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.array(fc.boolean(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.boolean(), { maxKeys: 2 }),
);
const badPositiveInt = fc.oneof(
  notNumber,
  fc.integer({ max: 0 }),
  fc.double({ noInteger: true, noNaN: true }).filter((d) => Number.isFinite(d)),
  fc.integer({ min: 100_000, max: 2 ** 31 }),
);
const wrongModel = fc.oneof(
  notString,
  fc.constant(""),
  fc.string({ maxLength: 30 }).map((s) => `nope/${s}`),
);
const bigString = (min: number, max: number) => fc.integer({ min, max }).map((n) => "x".repeat(n));

const validBodies: Record<(typeof POST_ROUTES)[number], Record<string, unknown>> = {
  "/v1/chat/completions": { model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 5 },
  "/v1/completions": { model: "local/echo-completion", prompt: "hi", max_tokens: 5 },
  "/v1/images/generations": { model: "local/image-sim", prompt: "a fox", n: 1, size: "256x256" },
  "/v1/audio/speech": { model: "local/tts-sim", input: "hello", voice: "alloy", response_format: "wav" },
  "/v1/videos": { model: "local/video-sim", prompt: "a fox", seconds: 1 },
  "/v1/embeddings": { model: "local/embed-sim", input: "a fox", dimensions: 8 },
  "/v1/responses": { model: "local/echo-chat", input: "hi", max_output_tokens: 5 },
};

// For each route, each field: values that must be refused.
const badFields: Record<(typeof POST_ROUTES)[number], Record<string, fc.Arbitrary<unknown>>> = {
  "/v1/chat/completions": {
    model: fc.oneof(wrongModel, fc.constantFrom("local/image-sim", "local/tts-sim", "local/echo-completion")),
    messages: fc.oneof(
      notString.filter((v) => !Array.isArray(v)),
      fc.constant([]),
      fc.array(
        fc.oneof(
          notString,
          fc.record({
            role: fc.string({ maxLength: 12 }).filter((r) => !["system", "developer", "user", "assistant", "tool"].includes(r)),
            content: fc.string(),
          }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      fc.record({ role: fc.constant("user"), content: fc.oneof(fc.integer(), fc.boolean(), fc.dictionary(fc.string(), fc.string())) }).map((m) => [m]),
      fc.constant([{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x" } }] }]),
    ),
    max_tokens: badPositiveInt,
    max_completion_tokens: badPositiveInt,
    stream: notBool.filter((v) => v !== null),
    n: fc.oneof(fc.integer({ min: 2, max: 128 }), fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 0 })),
    max_cost: fc.oneof(
      fc.boolean(),
      fc.array(fc.integer()),
      fc.dictionary(fc.string(), fc.integer()),
      fc.constantFrom("abc", "-1", "1e999", "", "0x10", "NaN"),
      fc.double({ max: -1e-9, noNaN: true, noDefaultInfinity: true }),
      fc.constant(0),
    ),
  },
  "/v1/completions": {
    model: fc.oneof(wrongModel, fc.constantFrom("local/echo-chat", "local/image-sim")),
    prompt: fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.dictionary(fc.string(), fc.string()),
      fc.array(fc.string(), { minLength: 2, maxLength: 4 }),
      fc.array(fc.integer(), { minLength: 1, maxLength: 2 }),
      fc.constant([]),
    ),
    max_tokens: badPositiveInt,
    n: fc.integer({ min: 2, max: 50 }),
    best_of: fc.integer({ min: 2, max: 50 }),
  },
  "/v1/images/generations": {
    model: fc.oneof(wrongModel, fc.constantFrom("local/echo-chat", "local/tts-sim")),
    prompt: fc.oneof(notString, fc.constant(""), bigString(32_001, 40_000)),
    n: fc.oneof(notNumber, fc.integer({ max: 0 }), fc.integer({ min: 5, max: 1000 }), fc.double({ noInteger: true, noNaN: true, min: 0, max: 10 })),
    size: fc.oneof(
      notString.filter((v) => v !== null),
      fc.constantFrom("1x1", "99999x99999", "big", "256X256", "256x256 "),
    ),
    response_format: fc.oneof(
      notString.filter((v) => v !== null),
      fc.constantFrom("png", "", "URL", "b64"),
    ),
  },
  "/v1/audio/speech": {
    model: fc.oneof(wrongModel, fc.constantFrom("local/echo-chat", "local/stt-sim")),
    input: fc.oneof(notString, fc.constant(""), bigString(4_097, 20_000)),
    voice: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), fc.constant(""), bigString(65, 200)),
    response_format: fc.oneof(
      notString.filter((v) => v !== null),
      fc.constantFrom("ogg", "", "WAV", "midi"),
    ),
    speed: fc.oneof(
      notNumber,
      fc.double({ max: 0.2499, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: 4.0001, noNaN: true, noDefaultInfinity: true }),
    ),
  },
  "/v1/videos": {
    model: fc.oneof(wrongModel, fc.constantFrom("local/echo-chat", "local/image-sim")),
    prompt: fc.oneof(notString, fc.constant(""), bigString(32_001, 33_000)),
    seconds: fc.oneof(
      fc.boolean(),
      fc.dictionary(fc.string(), fc.string()),
      fc.double({ noInteger: true, noNaN: true, min: -100, max: 100 }),
      fc.constantFrom("abc", "1.5", "-1", "", "99999", "0"),
      fc.integer({ min: 21, max: 10_000 }),
      fc.integer({ min: -100, max: 0 }),
    ),
    size: fc.oneof(fc.integer(), fc.boolean(), fc.constantFrom("", "1x1", "720x720", "huge")),
  },
  "/v1/embeddings": {
    model: fc.oneof(wrongModel, fc.constantFrom("local/echo-chat", "local/image-sim")),
    input: fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(""),
      fc.constant([]),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
      fc.array(fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true })), { minLength: 1, maxLength: 3 }),
      fc.array(fc.constant(""), { minLength: 1, maxLength: 2 }),
      fc.constant([[]]),
      fc.constant(["a", 1]),
      fc.integer({ min: 8_193, max: 12_000 }).map((n) => Array.from({ length: n }, (_, i) => i % 1000)), // over the per-input tokens
    ),
    dimensions: fc.oneof(
      notNumber,
      fc.integer({ max: 0 }),
      fc.integer({ min: 1_537, max: 100_000 }),
      fc.double({ noInteger: true, noNaN: true, min: 0, max: 10 }),
    ),
    encoding_format: fc.oneof(
      notString.filter((v) => v !== null),
      fc.constantFrom("", "FLOAT", "int8", "binary"),
    ),
    max_cost: fc.oneof(fc.boolean(), fc.constantFrom("abc", "-1", "", "NaN"), fc.constant(0)),
  },
  "/v1/responses": {
    model: fc.oneof(wrongModel, fc.constantFrom("local/image-sim", "local/embed-sim", "local/echo-completion")),
    input: fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant([]),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
      fc.array(
        fc.oneof(
          notString,
          fc.record({ role: fc.string({ maxLength: 10 }).filter((r) => !["user", "assistant", "system", "developer"].includes(r)), content: fc.string() }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      fc.constant([{ role: "user", content: [{ type: "input_image", image_url: "http://x" }] }]),
      fc.constant([{ type: "function_call_output", call_id: "c", output: "x" }]),
      fc.constant([{ role: "user" }]),
    ),
    max_output_tokens: badPositiveInt,
    instructions: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 })),
    temperature: fc.oneof(notNumber, fc.double({ min: 2.0001, max: 1e6, noNaN: true }), fc.double({ max: -0.0001, min: -1e6, noNaN: true })),
    tools: fc.constant([{ type: "web_search" }]),
    previous_response_id: fc.string({ minLength: 1, maxLength: 10 }),
    store: fc.constant(true),
    stream: notBool.filter((v) => v !== null),
    truncation: fc.constantFrom("auto", "x", ""),
  },
};

// ---- properties ---------------------------------------------------------------------------

describe(`fuzzing every /v1 route with bad input (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("one field of a valid body replaced by a wrong type or value: 4xx in the OpenAI shape, never charged", { timeout: 120_000 }, async () => {
    const arb = fc
      .constantFrom(...POST_ROUTES)
      .chain((route) => fc.constantFrom(...Object.keys(badFields[route])).chain((field) => badFields[route][field].map((value) => ({ route, field, value }))));
    await fc.assert(
      fc.asyncProperty(arb, async ({ route, field, value }) => {
        await expect4xx(json(route, { ...validBodies[route], [field]: value }));
      }),
      runs(1500),
    );
  });

  it("random JSON values, random objects and missing required fields as the whole body: 4xx, never charged", { timeout: 60_000 }, async () => {
    const body = fc.oneof(
      anyJson,
      fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 6 }),
      fc.constantFrom(...POST_ROUTES).chain((route) =>
        fc
          .subarray(
            Object.keys(validBodies[route]).filter((k) => ["model", "messages", "prompt", "input"].includes(k)),
            { minLength: 1 },
          )
          .map((drop) => Object.fromEntries(Object.entries(validBodies[route]).filter(([k]) => !drop.includes(k)))),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), body, async (route, b) => {
        await expect4xx(json(route, b));
      }),
      runs(800),
    );
  });

  it("raw bytes: invalid UTF-8, truncated JSON, deep nesting, huge bodies, empty bodies: 4xx, never charged", { timeout: 60_000 }, async () => {
    const raw = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 200 }).map((b) => Uint8Array.from([0xff, 0xfe, ...b])), // never valid UTF-8
      fc
        .constantFrom(...POST_ROUTES)
        .chain((route) =>
          fc
            .integer({ min: 0, max: JSON.stringify(validBodies[route]).length - 1 })
            .map((cut) => new TextEncoder().encode(JSON.stringify(validBodies[route]).slice(0, cut))),
        ),
      fc.integer({ min: 1, max: 20_000 }).map((d) => new TextEncoder().encode("[".repeat(d) + "]".repeat(d))),
      fc.integer({ min: 1, max: 5_000 }).map((d) => new TextEncoder().encode('{"model":"local/echo-chat","messages":' + "[".repeat(d) + "]".repeat(d) + "}")),
      fc.integer({ min: 1, max: 3_000 }).map((d) => new TextEncoder().encode('{"a":'.repeat(d) + "1" + "}".repeat(d))),
      fc.constantFrom("", "   ", "null", "[]", "true", "1", '"str"', "{", "}", "{}", "{,}", '{"model":}', "NaN"),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), raw, async (route, body) => {
        await expect4xx({ path: route, headers: { "content-type": "application/json" }, body: body as BodyInit });
      }),
      runs(800),
    );
    // Over the 2 MB JSON limit, declared or streamed: 413, nothing read into memory beyond it.
    for (const route of POST_ROUTES) {
      const huge = JSON.stringify({ ...validBodies[route], pad: "x".repeat(2 * 1024 * 1024 + 10) });
      expect(await expect4xx(json(route, huge))).toBe(413);
    }
  });

  it("content types and Authorization headers: 401/415/4xx, never charged", { timeout: 60_000 }, async () => {
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
    const contentType = fc.oneof(
      fc.constantFrom(
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "application/jsonx",
        "json",
        "application/octet-stream",
        "multipart/form-data",
        "multipart/form-data; boundary=zzz",
        "image/png",
        "application/json-patch+json",
      ),
      printable.filter((s) => !/^\s*application\/json\s*(;|$)/i.test(s)),
    );
    const badAuth = fc.oneof(
      fc.constantFrom(null, "", "Bearer", "Bearer ", "bearer", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b", "Bearer\tsk-x"),
      printable.map((s) => `Bearer sk-${s.replace(/\s/g, "")}x`),
      printable,
      fc.constant(0).map(() => `Bearer ${secrets[0]}x`),
      fc.constant(0).map(() => `Bearer ${secrets[0].slice(0, -1)}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), contentType, async (route, ct) => {
        const status = await expect4xx({ path: route, headers: { "content-type": ct }, body: JSON.stringify(validBodies[route]) });
        if (route !== "/v1/videos") expect([400, 415]).toContain(status); // /v1/videos also takes multipart
      }),
      runs(400),
    );
    const allRoutes = fc.constantFrom<Sent>(
      ...POST_ROUTES.map((r) => json(r, validBodies[r])),
      { method: "GET", path: "/v1/models" },
      { method: "GET", path: "/v1/credits" },
      { method: "GET", path: "/v1/videos/video_abc" },
      { method: "GET", path: "/v1/videos/video_abc/content" },
      { method: "DELETE", path: "/v1/videos/video_abc" },
      { method: "GET", path: "/v1/videos?limit=2" },
      { method: "GET", path: "/v1/models/local%2Fecho-chat" },
      { path: "/v1/audio/transcriptions", body: transcriptionForm({}) as BodyInit },
    );
    await fc.assert(
      fc.asyncProperty(allRoutes, badAuth, async (req, auth) => {
        const status = await expect4xx({ ...req, auth: auth ?? null });
        expect(status).toBe(401);
      }),
      runs(400),
    );
  });

  it("multipart transcriptions: missing parts, wrong and truncated audio, truncated bodies, huge files: 4xx, never charged", { timeout: 90_000 }, async () => {
    const wav = encodeWav(new Int16Array(8000), 8000); // one second of silence, valid
    const notAudio = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 400 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([...new TextEncoder().encode("RIFF"), ...b])),
      fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([...new TextEncoder().encode("ID3"), ...b])),
      fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([...new TextEncoder().encode("OggS"), ...b])),
      fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([...new TextEncoder().encode("fLaC"), ...b])),
      fc.integer({ min: 0, max: 43 }).map((n) => wav.slice(0, n)), // WAV cut inside its header
      fc.constant(new TextEncoder().encode("this is a text file, not audio")),
    );
    const parts = fc.record(
      {
        model: fc.oneof(fc.constant("local/stt-sim"), fc.constantFrom("", "local/tts-sim", "nope", "local/echo-chat")),
        file: notAudio,
        filename: fc.constantFrom("a.wav", "a.mp3", "a.txt", "", "../../etc/passwd", "a.flac"),
        response_format: fc.constantFrom("json", "text", "srt", "verbose_json", "vtt", "xml", ""),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(parts, async (p) => {
        // A valid model with a valid file would be real work: keep at least one thing wrong.
        const fd = transcriptionForm(p);
        await expect4xx({ path: "/v1/audio/transcriptions", body: fd as BodyInit });
      }),
      runs(500),
    );
    // A valid form cut short at any byte, or with a boundary that does not match: 400.
    const full = await new Response(transcriptionForm({ model: "local/stt-sim", file: wav, filename: "a.wav" })).arrayBuffer();
    const ct = new Response(transcriptionForm({ model: "local/stt-sim", file: wav, filename: "a.wav" })).headers.get("content-type")!;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: full.byteLength - 60 }), fc.boolean(), async (cut, wrongBoundary) => {
        const bytes = new Uint8Array(full).slice(0, wrongBoundary ? full.byteLength : cut);
        // The real boundary is regenerated per FormData, so the cut body always carries it: pass ours.
        const boundary = wrongBoundary ? "multipart/form-data; boundary=not-the-boundary" : ct;
        await expect4xx({ path: "/v1/audio/transcriptions", headers: { "content-type": boundary }, body: bytes });
      }),
      runs(200),
    );
    // Over the 25 MB (+1 MB form overhead) limit: 413 without reading it all.
    const big = new Uint8Array(27 * 1024 * 1024);
    expect(
      await expect4xx({ path: "/v1/audio/transcriptions", body: transcriptionForm({ model: "local/stt-sim", file: big, filename: "a.wav" }) as BodyInit }),
    ).toBe(413);
  });

  it("path ids and query strings on the GET routes: 404 for unknown ids, no 5xx, nothing charged", { timeout: 60_000 }, async () => {
    // "." and ".." are resolved by the URL itself (another path, not an id): left out.
    const id = fc.oneof(
      fc.string({ maxLength: 40 }).filter((s) => s !== "." && s !== ".."),
      fc.constantFrom("video_", "video_' or 1=1 --", "%00", "%2e%2e%2f", "video_" + "a".repeat(5000), "😀", "%ff%fe"),
    );
    const query = fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 4 }).map((d) => new URLSearchParams(d).toString());
    await fc.assert(
      fc.asyncProperty(id, query, fc.boolean(), async (rawId, q, content) => {
        const path = `/v1/videos/${encodeURIComponent(rawId) || "x"}${content ? "/content" : ""}${q ? `?${q}` : ""}`;
        const status = await expect4xx({ method: "GET", path });
        expect(status).toBe(404);
      }),
      runs(250),
    );
    // Deleting unknown videos and retrieving unknown models (ids with "/", encoded or not): 404.
    await fc.assert(
      fc.asyncProperty(id, fc.boolean(), fc.boolean(), async (rawId, model, slash) => {
        const encoded = encodeURIComponent(rawId) || "x";
        const status = model
          ? await expect4xx({ method: "GET", path: `/v1/models/${slash ? `nope/${encoded}` : encoded}` })
          : await expect4xx({ method: "DELETE", path: `/v1/videos/${encoded}` });
        expect(status).toBe(404);
      }),
      runs(150),
    );
    // The video list's query: 200 or a 400 naming limit/order/after, never anything else.
    const listQuery = fc
      .record(
        {
          limit: fc.oneof(fc.string({ maxLength: 5 }), fc.integer({ min: -5, max: 200 }).map(String)),
          order: fc.oneof(fc.constantFrom("asc", "desc"), fc.string({ maxLength: 5 })),
          after: id,
        },
        { requiredKeys: [] },
      )
      .map((d) => new URLSearchParams(d as Record<string, string>).toString());
    await fc.assert(
      fc.asyncProperty(listQuery, async (q) => {
        calls++;
        const res = await appFetch(`http://app.test/v1/videos?${q}`, { headers: { authorization: `Bearer ${key()}` } });
        const body = await res.json();
        expect([200, 400], q).toContain(res.status);
        if (res.status === 400) expect(["limit", "order", "after"], q).toContain(body.error.param);
        else expect(body.object).toBe("list");
      }),
      runs(150),
    );
    // Query strings on the list routes are ignored: 200, and still nothing charged.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/v1/models", "/v1/credits"), query, async (route, q) => {
        await expect4xx({ method: "GET", path: `${route}?${q}` }, (s) => s === 200);
      }),
      runs(100),
    );
  });
});

function transcriptionForm(p: { model?: string; file?: Uint8Array; filename?: string; response_format?: string }): FormData {
  const fd = new FormData();
  if (p.model !== undefined) fd.set("model", p.model);
  if (p.file !== undefined) fd.set("file", new Blob([p.file as BlobPart]), p.filename || "blob");
  if (p.response_format !== undefined) fd.set("response_format", p.response_format);
  return fd;
}
