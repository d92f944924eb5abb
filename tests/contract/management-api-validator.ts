import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { openApiDocument } from "@/lib/management/openapi";

// Validates management API answers against the API's own OpenAPI 3.1 document (the one
// GET /api/v1/openapi.json serves): the status must be documented for the operation, and
// the body must match the schema documented for that status. Nothing is relaxed.

const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, "mgmt");
const cache = new Map<string, ValidateFunction>();

const pointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** The documented path template a concrete path matches ("/api/v1/keys/key_x" → "/api/v1/keys/{id}"). */
export function templateOf(path: string): string {
  const bare = path.split("?")[0];
  for (const t of Object.keys(doc.paths)) {
    const re = new RegExp(`^${t.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (re.test(bare)) return t;
  }
  throw new Error(`${bare} is not a path of the document`);
}

/** Throws unless `status` is documented for the operation and `body` matches its schema. */
export function assertDocumented(method: string, path: string, status: number, body: unknown): void {
  const t = templateOf(path);
  const op = doc.paths[t][method.toLowerCase()];
  if (!op) throw new Error(`${method} ${t} is not in the document`);
  if (!(String(status) in op.responses))
    throw new Error(`${method} ${t} answered ${status}, which the document does not list (${Object.keys(op.responses).join(", ")})`);
  const ref = `mgmt#/paths/${pointer(t)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  let validate = cache.get(ref);
  if (!validate) {
    validate = ajv.getSchema(ref);
    if (!validate) throw new Error(`no schema at ${ref}`);
    cache.set(ref, validate);
  }
  if (!validate(body)) {
    const errors = (validate.errors ?? []).slice(0, 12).map((e: ErrorObject) => `  ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`${method} ${path} ${status}: does not match the document:\n${errors.join("\n")}\nbody: ${JSON.stringify(body).slice(0, 600)}`);
  }
}
