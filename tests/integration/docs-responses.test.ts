import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getCatalog } from "@/lib/catalog";
import { endpointExamples, type EndpointExample } from "@/lib/docs/endpoint-examples";
import { ENDPOINT_PAGE_DEFS, modelRefs } from "@/lib/docs/pages/endpoints";
import RECORDED from "@/lib/docs/response-examples.json";
import { requestOf } from "@/lib/docs/samples";
import { waitForVideoJobs } from "@/lib/media/video-jobs";
import { mediaAccount, rawCall } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

// The responses the API reference shows are recorded from the API itself: each endpoint
// page's example request is sent here through the app, trimmed (long vectors, base64 and
// lists cut short) and compared with lib/docs/response-examples.json by shape (every key,
// and each value's type). A response that changed shape fails this test;
// UPDATE_DOC_EXAMPLES=1 rewrites the file from the live responses.

const app = integrationApp();
const FILE = path.resolve(import.meta.dirname, "../../lib/docs/response-examples.json");
const ORIGIN = "http://app.test";

type Recorded = { json?: unknown; sse?: string; headers?: Record<string, string> };

/** Keys and value types, recursively; arrays by their first element. */
function shape(v: unknown): unknown {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (typeof v === "object")
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    );
  return typeof v;
}

/** Cuts what is too long to show: vectors to 4 numbers, base64 to 24 characters, lists to 2 items. */
function trim(id: string, body: any): unknown {
  if (id === "embedding") for (const d of body.data) d.embedding = d.embedding.slice(0, 4);
  if (id === "image") for (const d of body.data) if (d.b64_json) d.b64_json = d.b64_json.slice(0, 24) + "…";
  if (id === "models") body.data = body.data.slice(0, 2);
  return body;
}

/** SSE: the data lines' JSON shapes (event order included), and [DONE]. */
const sseShape = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("data: ") || l.startsWith("event: "))
    .map((l) => (l.startsWith("event: ") ? l : l === "data: [DONE]" ? l : shape(JSON.parse(l.slice(6)))));

async function live(ex: EndpointExample, key: string, files: Map<string, Uint8Array>): Promise<Recorded> {
  const { method, path: p, body } = requestOf(ex.call);
  let res;
  if (ex.call.kind === "transcription") {
    const form = new FormData();
    form.set("model", ex.call.model);
    form.set("file", new Blob([files.get(ex.call.file)! as BlobPart]), ex.call.file);
    res = await rawCall(p, { method, key, body: form });
  } else {
    res = await rawCall(p, { method, key, ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });
  }
  expect(res.status, `${ex.id}: ${new TextDecoder().decode(res.bytes).slice(0, 300)}`).toBe(200);
  if (ex.response === "headers") {
    if (ex.call.kind === "speech") files.set(`speech.${ex.call.response_format ?? "mp3"}`, res.bytes);
    return {
      headers: {
        "content-type": res.res.headers.get("content-type")!,
        "content-length": res.res.headers.get("content-length")!,
        "x-cost-usd": res.res.headers.get("x-cost-usd")!,
        "x-cost-micro-usd": res.res.headers.get("x-cost-micro-usd")!,
      },
    };
  }
  if (ex.response === "sse") return { sse: new TextDecoder().decode(res.bytes).trim() };
  if (ex.call.kind === "video") {
    // The finished job, as the samples print it after polling.
    await waitForVideoJobs();
    const done = await rawCall(`/v1/videos/${res.body.id}`, { key });
    return { json: done.body };
  }
  return { json: trim(ex.id, res.body) };
}

describe("API reference responses", () => {
  it("each endpoint page's example gets a response of the recorded shape", async () => {
    const a = await mediaAccount(app.db);
    const models = modelRefs(getCatalog().models);
    const recorded = RECORDED as Record<string, Recorded>;
    const files = new Map<string, Uint8Array>();
    const out: Record<string, Recorded> = {};
    for (const def of ENDPOINT_PAGE_DEFS) {
      for (const ex of endpointExamples(def.id, models)) {
        const got = await live(ex, a.secret, files);
        out[ex.id] = got;
        if (process.env.UPDATE_DOC_EXAMPLES === "1") continue;
        const want = recorded[ex.id];
        expect(want, `${ex.id} has no recorded response: run this test with UPDATE_DOC_EXAMPLES=1`).toBeDefined();
        if (ex.response === "json") expect(shape(got.json), ex.id).toEqual(shape(want.json));
        if (ex.response === "sse") expect(sseShape(got.sse!), ex.id).toEqual(sseShape(want.sse!));
        if (ex.response === "headers") {
          expect(Object.keys(got.headers!), ex.id).toEqual(Object.keys(want.headers!));
          expect(got.headers!["content-type"]).toBe(want.headers!["content-type"]);
        }
      }
    }
    if (process.env.UPDATE_DOC_EXAMPLES === "1") {
      const prettier = await import("prettier");
      const text = JSON.stringify(out, null, 2).replaceAll(ORIGIN, "https://api.example.com");
      fs.writeFileSync(FILE, await prettier.format(text, { ...(await prettier.resolveConfig(FILE)), filepath: FILE }));
    }
  }, 120_000);
});
