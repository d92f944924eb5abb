#!/usr/bin/env node
// Extracts the component schemas our contract test validates against from OpenAI's
// published OpenAPI spec (openai/openai-openapi, openapi.json), with everything they
// reference, into tests/contract/openapi/openai-schemas.json. Run it again to update:
//   node scripts/extract-openapi-schemas.mjs path/to/openapi.json [commit]
// The output is data (vendored, not fetched at test time); its source, commit and version
// are written into it and into tests/contract/openapi/README.md.
import fs from "node:fs";
import path from "node:path";

// The response schemas of the /v1 endpoints we serve (see tests/contract/openapi.test.ts).
export const ROOTS = [
  "ListModelsResponse",
  "Model",
  "CreateChatCompletionResponse",
  "CreateChatCompletionStreamResponse",
  "CreateCompletionResponse",
  "Response",
  "ResponseStreamEvent",
  "CreateEmbeddingResponse",
  "ImagesResponse",
  "CreateTranscriptionResponseJson",
  "CreateTranscriptionResponseVerboseJson",
  "VideoResource",
  "VideoListResource",
  "DeletedVideoResource",
  "ErrorResponse",
];

const [specPath, commit = "unknown"] = process.argv.slice(2);
if (!specPath) {
  console.error("usage: node scripts/extract-openapi-schemas.mjs path/to/openapi.json [commit]");
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
const all = spec.components.schemas;

const keep = new Set();
const queue = [...ROOTS];
while (queue.length) {
  const name = queue.pop();
  if (keep.has(name)) continue;
  if (!all[name]) throw new Error(`schema ${name} is not in the spec`);
  keep.add(name);
  JSON.stringify(all[name], (k, v) => {
    if (k === "$ref" && typeof v === "string") queue.push(v.replace("#/components/schemas/", ""));
    return v;
  });
}

// Documentation-only keys are dropped (they are most of the file's size); everything that
// constrains a value (type, enum, required, properties, items, anyOf/oneOf/allOf, const,
// format, minimum…) is kept as published.
const DOC_KEYS = new Set([
  "description",
  "example",
  "examples",
  "x-oaiMeta",
  "x-oaiTypeLabel",
  "x-stainless-const",
  "x-stainless-skip",
  "x-stainless-naming",
  "title",
  "deprecated",
]);
// Under "properties" the keys are property names (a property may be called "title"), so
// nothing is dropped there.
const strip = (v, underProperties = false) => {
  if (Array.isArray(v)) return v.map((x) => strip(x));
  if (!v || typeof v !== "object") return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    if (!underProperties && DOC_KEYS.has(k)) continue;
    out[k] = strip(x, !underProperties && k === "properties");
  }
  return out;
};

const schemas = Object.fromEntries([...keep].sort().map((n) => [n, strip(all[n])]));
const out = {
  source: "https://github.com/openai/openai-openapi (openapi.json)",
  commit,
  openapi: spec.openapi,
  version: spec.info.version,
  roots: ROOTS,
  schemas,
};
const target = path.resolve(import.meta.dirname, "../tests/contract/openapi/openai-schemas.json");
fs.writeFileSync(target, JSON.stringify(out, null, 1) + "\n");
console.log(`${keep.size} schemas (from ${ROOTS.length} roots) -> ${path.relative(process.cwd(), target)} (${fs.statSync(target).size} bytes)`);
