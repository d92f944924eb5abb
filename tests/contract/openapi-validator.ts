import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import vendored from "./openapi/openai-schemas.json";

// Validates bodies against OpenAI's published schemas (tests/contract/openapi/README.md).
// Extra properties are allowed (our usage.cost and cost_micro_usd, modality, pricing…):
// `additionalProperties: false` is lifted where the spec sets it. Everything else is as
// published: required fields, types, enums, nullability. A few schemas still use OpenAPI
// 3.0's `nullable: true` (not a JSON Schema 2020-12 keyword; Ajv refuses it beside a
// bare $ref): it is read as the publisher meant it, "this schema, or null".

function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (!v || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  let nullable = false;
  for (const [k, x] of Object.entries(v)) {
    if ((k === "additionalProperties" || k === "unevaluatedProperties") && x === false) continue;
    if (k === "nullable") {
      nullable = x === true;
      continue;
    }
    out[k] = normalise(x);
  }
  return nullable ? { anyOf: [out, { type: "null" }] } : out;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// OpenAPI's numeric and binary formats: the type is what constrains them.
for (const f of ["unixtime", "float", "double", "int32", "int64", "binary", "byte"]) ajv.addFormat(f, true);
ajv.addSchema({ $id: "openai", components: { schemas: normalise(vendored.schemas) } });

export const SPEC = { commit: vendored.commit, version: vendored.version };

const cache = new Map<string, ValidateFunction>();

/** Throws with every schema error (path and message) unless `body` matches the named schema. */
export function assertMatches(schema: string, body: unknown, where = schema): void {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.getSchema(`openai#/components/schemas/${schema}`);
    if (!validate) throw new Error(`no schema ${schema} in the vendored spec`);
    cache.set(schema, validate);
  }
  if (!validate(body)) {
    const errors = (validate.errors ?? [])
      .slice(0, 12)
      .map((e: ErrorObject) => `  ${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`);
    throw new Error(`${where}: does not match OpenAI's ${schema}:\n${errors.join("\n")}\nbody: ${JSON.stringify(body).slice(0, 600)}`);
  }
}

/** The JSON payloads of an SSE body (`data: …` lines), without the final [DONE]. */
export function sseEvents(text: string): { event: string | null; data: unknown }[] {
  const out: { event: string | null; data: unknown }[] = [];
  for (const block of text.split(/\n\n+/)) {
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (!data.length || data.join("\n") === "[DONE]") continue;
    out.push({ event, data: JSON.parse(data.join("\n")) });
  }
  return out;
}

/** The member of ResponseStreamEvent whose `type` is `type` (its errors are readable; the union's are not). */
export function responseEventSchema(type: string): string {
  const union = (vendored.schemas as Record<string, any>).ResponseStreamEvent;
  for (const branch of union.anyOf as { $ref: string }[]) {
    const name = branch.$ref.replace("#/components/schemas/", "");
    const s = (vendored.schemas as Record<string, any>)[name];
    if (s?.properties?.type?.enum?.includes(type)) return name;
  }
  throw new Error(`no ResponseStreamEvent member has type ${type}`);
}
