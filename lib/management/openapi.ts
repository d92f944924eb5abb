import { z } from "zod";
import { MANAGEMENT_RATE_LIMIT_PER_MINUTE } from "./http";
import { KEY_CACHE_TTL_MS } from "@/lib/api/key-auth";
import {
  createKeyBody,
  createKeyResponse,
  creditsResponse,
  deletedKeyResponse,
  errorResponse,
  keyListResponse,
  keyResponse,
  updateKeyBody,
  usageQuery,
  usageResponse,
} from "./schemas";

// The OpenAPI 3.1 document of the management API, built from the zod schemas the handlers
// parse with (./schemas.ts) by zod 4's own z.toJSONSchema: no second description to keep in
// step. Served at GET /api/v1/openapi.json; the docs page /docs/management-api is rendered
// from it (./docs.ts) and the contract tests validate every response against it.

type Schema = Record<string, unknown>;

export type Operation = {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  operationId: string;
  summary: string;
  description: string;
  pathParams?: { name: string; description: string }[];
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success status and its body. */
  status: 200 | 201;
  response: z.ZodType;
  /** Error statuses the operation can answer besides 401 and 429 (every authenticated one can). */
  errors: number[];
  /** Needs no management key (the document itself). */
  public?: boolean;
  /** The request the docs' curl sample sends (a test runs every sample against the API). */
  example?: { body?: Record<string, unknown>; query?: Record<string, string> };
};

const keyId = [{ name: "id", description: "The key's id (key_…)." }];

export const OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/api/v1/keys",
    operationId: "createKey",
    summary: "Create a model key",
    description:
      "Creates a model API key (sk-mt-…) in the organization, made in the name of the management key's creator. The secret is in `key`, shown this once.",
    body: createKeyBody,
    example: { body: { name: "customer-42", limit: 5.25, limit_reset: "monthly" } },
    status: 201,
    response: createKeyResponse,
    errors: [400, 403],
  },
  {
    method: "get",
    path: "/api/v1/keys",
    operationId: "listKeys",
    summary: "List model keys",
    description: "Every model key of the organization that is not deleted (disabled ones included), newest first.",
    status: 200,
    response: keyListResponse,
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/keys/{id}",
    operationId: "getKey",
    summary: "Get a model key",
    description: "One key of the organization; 404 for an id that is not one.",
    pathParams: keyId,
    status: 200,
    response: keyResponse,
    errors: [404],
  },
  {
    method: "patch",
    path: "/api/v1/keys/{id}",
    operationId: "updateKey",
    summary: "Update a model key",
    description: `Renames, limits, disables or re-enables a key. Every instance applies the change at once (notified), and within ${KEY_CACHE_TTL_MS / 1000} s at worst (the key cache's bound).`,
    pathParams: keyId,
    body: updateKeyBody,
    example: { body: { limit: 10, limit_reset: null, disabled: true } },
    status: 200,
    response: keyResponse,
    errors: [400, 404],
  },
  {
    method: "delete",
    path: "/api/v1/keys/{id}",
    operationId: "deleteKey",
    summary: "Delete a model key",
    description: `Revokes the key for good: /v1 refuses it at once on every instance (within ${KEY_CACHE_TTL_MS / 1000} s at worst), and it is gone from this API.`,
    pathParams: keyId,
    status: 200,
    response: deletedKeyResponse,
    errors: [404],
  },
  {
    method: "get",
    path: "/api/v1/credits",
    operationId: "getCredits",
    summary: "Organization credits",
    description: "The organization's credits, usage, balance and held credit, in USD and in integer micro-USD.",
    status: 200,
    response: creditsResponse,
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/usage",
    operationId: "getUsage",
    summary: "Organization usage",
    description:
      "Requests, units and cost over whole UTC days, grouped by day, model, key or project; equal to the CSV export of the same days (the usage page's Export) to the micro-dollar.",
    query: usageQuery,
    example: { query: { group_by: "model" } },
    status: 200,
    response: usageResponse,
    errors: [400],
  },
  {
    method: "get",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApi",
    summary: "This document",
    description: "The OpenAPI 3.1 document of the management API.",
    status: 200,
    response: z.record(z.string(), z.unknown()).meta({ description: "An OpenAPI 3.1 document." }),
    errors: [],
    public: true,
  },
];

const ERROR_TEXT: Record<number, string> = {
  400: "Bad input: `error.param` names the parameter.",
  401: "No management key, a revoked one, or a model key.",
  403: "The organization may not hold more keys, or the management key's creator has not verified their address.",
  404: "No such key in this organization.",
  429: "Rate limited: see Retry-After and the x-ratelimit-* headers.",
};

/**
 * A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect). Schemas named with
 * .meta({ id }) land in components and are referenced from there.
 */
function jsonSchema(schema: z.ZodType, io: "input" | "output", components: Record<string, Schema>): Schema {
  const generated = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" });
  const out = JSON.parse(JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/')) as Schema;
  for (const [name, def] of Object.entries((out.$defs ?? {}) as Record<string, Schema>)) components[name] = def;
  delete out.$defs;
  delete out.$schema;
  return out;
}

const RATE_LIMIT_HEADER_DOCS = {
  "x-ratelimit-limit-requests": { description: "Requests per minute for this management key.", schema: { type: "integer" } },
  "x-ratelimit-remaining-requests": { description: "Left in the current minute.", schema: { type: "integer" } },
  "x-ratelimit-reset-requests": { description: "Unix time (s) when the minute ends.", schema: { type: "integer" } },
};

let cached: Schema | undefined;

/** The OpenAPI 3.1 document (built once per process: it depends only on code). */
export function openApiDocument(): Schema {
  if (cached) return cached;
  const components: Record<string, Schema> = {};
  const paths: Record<string, Record<string, Schema>> = {};
  const errorRef = jsonSchema(errorResponse, "output", components);
  for (const op of OPERATIONS) {
    const parameters: Schema[] = (op.pathParams ?? []).map((p) => ({
      name: p.name,
      in: "path",
      required: true,
      description: p.description,
      schema: { type: "string" },
    }));
    if (op.query) {
      const q = jsonSchema(op.query, "input", components) as { properties?: Record<string, Schema>; required?: string[] };
      for (const [name, s] of Object.entries(q.properties ?? {})) {
        const { description, ...schema } = s;
        parameters.push({ name, in: "query", required: (q.required ?? []).includes(name), description, schema });
      }
    }
    const responses: Record<string, Schema> = {
      [op.status]: {
        description: op.summary,
        headers: RATE_LIMIT_HEADER_DOCS,
        content: { "application/json": { schema: jsonSchema(op.response, "output", components) } },
      },
    };
    for (const status of [...op.errors, ...(op.public ? [] : [401, 429])].sort()) {
      responses[status] = { description: ERROR_TEXT[status], content: { "application/json": { schema: errorRef } } };
    }
    const operation: Schema = { operationId: op.operationId, summary: op.summary, description: op.description, responses };
    if (parameters.length) operation.parameters = parameters;
    if (op.public) operation.security = [];
    if (op.body) operation.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(op.body, "input", components) } } };
    (paths[op.path] ??= {})[op.method] = operation;
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Metered management API",
      version: "1.0.0",
      description:
        `Automation for an organization: its model keys, credits and usage. Authenticate with a management key (Authorization: Bearer sk-mt-admin-…), ` +
        `which owners and admins create in the organization's settings or with \`npm run cli -- create-management-key\`. Management keys cannot call /v1 ` +
        `and model keys cannot call this API. Each management key may make ${MANAGEMENT_RATE_LIMIT_PER_MINUTE} requests per minute. ` +
        `Errors have the same JSON shape as /v1: {"error": {"message", "type", "param", "code"}}.`,
    },
    security: [{ managementKey: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { managementKey: { type: "http", scheme: "bearer", description: "A management key, sk-mt-admin-…" } },
    },
  };
  return cached;
}
