import type { Block, DocPageSource, Inline } from "@/lib/docs/types";
import { code, h2, link, p } from "@/lib/docs/types";
import { MANAGEMENT_RATE_LIMIT_PER_MINUTE } from "./http";
import { openApiDocument, OPERATIONS, type Operation } from "./openapi";

// /docs/management-api: generated from the OpenAPI document (./openapi.ts), operation by
// operation: method and path, parameters, request and response schemas, and a curl sample.
// tests/integration/management-api-docs.test.ts runs every curl sample against the API
// (with METERED_MANAGEMENT_KEY and, for the /keys/{id} operations, KEY_ID set).

type Schema = Record<string, unknown>;

/** The schema with component $refs replaced by the components (the management schemas have no cycles). */
function inline(schema: unknown, components: Record<string, Schema>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, components));
  if (!schema || typeof schema !== "object") return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref?.startsWith("#/components/schemas/")) return inline(components[ref.slice("#/components/schemas/".length)], components);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, components)]));
}

/** "string", "number | null", "\"daily\" | \"weekly\" | null", "array of object"… */
function typeOf(schema: Schema): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map(typeOf).join(" | ");
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(" | ");
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.type === "array") return `array of ${typeOf((schema.items ?? {}) as Schema)}`;
  return String(schema.type ?? "any");
}

/** What constrains a value beyond its type (lengths, bounds, pattern, default). */
function constraints(schema: Schema): string {
  const all = Array.isArray(schema.anyOf) ? [schema, ...(schema.anyOf as Schema[])] : [schema];
  const parts: string[] = [];
  for (const x of all) {
    if (x.minLength !== undefined)
      parts.push(
        x.maxLength === undefined ? `at least ${x.minLength} character${x.minLength === 1 ? "" : "s"}` : `${x.minLength} to ${x.maxLength} characters`,
      );
    if (x.minimum !== undefined && Math.abs(Number(x.minimum)) < 1e15) parts.push(`≥ ${x.minimum}`);
    if (x.maximum !== undefined && Math.abs(Number(x.maximum)) < 1e15) parts.push(`≤ ${x.maximum}`);
    if (x.format) parts.push(x.format === "date-time" ? "ISO 8601 date-time, UTC" : `format ${x.format}`);
    else if (x.pattern) parts.push(`pattern ${x.pattern}`);
    if (x.default !== undefined) parts.push(`default ${JSON.stringify(x.default)}`);
  }
  return parts.join("; ");
}

/** One row per field, nested objects (and arrays of objects) as dotted paths: the schema as a table. */
function fieldRows(schema: Schema, prefix = ""): Inline[][][] {
  const object = (Array.isArray(schema.anyOf) ? (schema.anyOf as Schema[]).find((x) => x.type === "object") : schema) ?? schema;
  const props = (object.properties ?? {}) as Record<string, Schema>;
  const required = new Set((object.required ?? []) as string[]);
  const out: Inline[][][] = [];
  for (const [name, prop] of Object.entries(props)) {
    const path = `${prefix}${name}`;
    const extra = constraints(prop);
    const description = [prop.description as string | undefined, extra].filter(Boolean).join(" ");
    out.push([[code(path)], [typeOf(prop)], [required.has(name) ? "yes" : "no"], [description]]);
    const items = prop.type === "array" ? (prop.items as Schema) : null;
    const nested = items ?? (Array.isArray(prop.anyOf) ? (prop.anyOf as Schema[]).find((x) => x.type === "object") : prop);
    if (nested?.type === "object" && nested.properties) out.push(...fieldRows(nested, `${path}${items ? "[]" : ""}.`));
  }
  return out;
}

function schemaTable(caption: string, schema: Schema, testId: string): Block[] {
  return [p(caption), { kind: "table", testId, head: ["Field", "Type", "Required", "Description"], rows: fieldRows(schema) }];
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The operation's request in curl; exits non-zero on an error status (--fail-with-body). */
export function managementCurlSample(origin: string, op: Operation): string {
  const path = op.path.replace("{id}", "$KEY_ID");
  const query = op.example?.query ? `?${new URLSearchParams(op.example.query)}` : "";
  const lines = [`curl -sS --fail-with-body${op.method === "get" ? "" : ` -X ${op.method.toUpperCase()}`} "${origin}${path}${query}"`];
  if (!op.public) lines.push(`  -H "Authorization: Bearer $METERED_MANAGEMENT_KEY"`);
  if (op.example?.body) {
    lines.push(`  -H "Content-Type: application/json"`);
    lines.push(`  -d ${shellQuote(JSON.stringify(op.example.body))}`);
  }
  return lines.join(" \\\n");
}

function operationBlocks(origin: string, op: Operation, doc: Schema): Block[] {
  const components = ((doc.components as Schema).schemas ?? {}) as Record<string, Schema>;
  const spec = ((doc.paths as Record<string, Record<string, Schema>>)[op.path] ?? {})[op.method] ?? {};
  const blocks: Block[] = [h2(`${op.method.toUpperCase()} ${op.path}`), p(op.description)];
  const params = (spec.parameters ?? []) as { name: string; in: string; required: boolean; description?: string; schema: Schema }[];
  if (params.length) {
    blocks.push({
      kind: "table",
      testId: `params-${op.operationId}`,
      head: ["Parameter", "In, type", "Required", "Description"],
      rows: params.map((x) => [
        [code(x.name)],
        [`${x.in}, ${typeOf(x.schema)}`],
        [x.required ? "yes" : "no"],
        [[x.description, constraints(x.schema)].filter(Boolean).join(" ")],
      ]),
    });
  }
  const body = (spec.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content?.["application/json"]?.schema;
  if (body) blocks.push(...schemaTable("Request body (JSON):", inline(body, components) as Schema, `request-${op.operationId}`));
  const responses = (spec.responses ?? {}) as Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  const ok = responses[String(op.status)]?.content?.["application/json"]?.schema;
  if (ok && op.operationId !== "getOpenApi") {
    blocks.push(...schemaTable(`Response ${op.status} (JSON):`, inline(ok, components) as Schema, `response-${op.operationId}`));
  }
  const errors = Object.keys(responses).filter((s) => Number(s) >= 400);
  if (errors.length) {
    blocks.push(p("Errors (the /v1 error shape):"));
    blocks.push({ kind: "list", items: errors.map((s): Inline[] => [code(s), ` ${responses[s].description}`]) });
  }
  blocks.push({ kind: "code", lang: "bash", caption: "curl", run: "shell", testId: `sample-${op.operationId}`, text: managementCurlSample(origin, op) });
  return blocks;
}

export const managementApiDoc: DocPageSource = {
  slug: "management-api",
  title: "Management API",
  summary: () =>
    `Automate an organization with a management key: create, limit, disable and delete model keys, read credits and usage (${MANAGEMENT_RATE_LIMIT_PER_MINUTE} requests per minute per key; OpenAPI 3.1 at /api/v1/openapi.json).`,
  blocks: ({ origin }) => {
    const doc = openApiDocument();
    return [
      p(
        "The management API automates an organization: its model keys, credits and usage. It is authenticated by a ",
        { strong: "management key" },
        " (",
        code("sk-mt-admin-…"),
        "), which owners and admins create in the dashboard (",
        link("Organization › Management keys", "/dashboard/organization/management-keys"),
        ") or with ",
        code("npm run cli -- create-management-key --email you@example.com --name provisioning"),
        ". A management key cannot call ",
        code("/v1"),
        " and a model key cannot call this API: each gets a 401 saying which key it needs.",
      ),
      p(
        "This page is generated from the OpenAPI 3.1 document at ",
        link(`${origin}/api/v1/openapi.json`, "/api/v1/openapi.json"),
        `, itself built from the schemas the handlers validate with. Each management key may make ${MANAGEMENT_RATE_LIMIT_PER_MINUTE} requests per minute `,
        "(429 with Retry-After and the x-ratelimit-* headers, as on /v1). Errors have the /v1 shape ",
        code('{"error": {"message", "type", "param", "code"}}'),
        "; a 400 names the bad parameter in ",
        code("param"),
        ", and a key of another organization is a 404, like one that never existed.",
      ),
      p(
        "Amounts are USD numbers (exact to the micro-dollar: at most 6 decimals) with integer ",
        code("_micro_usd"),
        " twins. A key's ",
        code("usage"),
        " is what it spent as its limit counts it: in the current UTC period when ",
        code("limit_reset"),
        " is set, else over its whole life (requests still running count at their hold). The samples read the key from ",
        code("METERED_MANAGEMENT_KEY"),
        " and a key id from ",
        code("KEY_ID"),
        ".",
      ),
      ...OPERATIONS.flatMap((op) => operationBlocks(origin, op, doc)),
    ];
  },
};
