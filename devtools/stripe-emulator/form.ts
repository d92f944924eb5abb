// Parses a Stripe-style form body (`a=1&b[c]=2&d[0]=x&d[1]=y`, also `d[]=x`) into nested
// objects. Stripe's API takes exactly this encoding from every client (the SDKs, Stripe.js,
// curl -d), so the emulator decodes it the same way. Values stay strings: Stripe coerces
// per parameter, and so do the emulator's handlers.

export type FormValue = string | FormObject | FormValue[];
export type FormObject = { [key: string]: FormValue };

export function parseStripeForm(body: string): FormObject {
  const root: FormObject = {};
  if (!body) return root;
  for (const pair of body.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    const key = decode(rawKey);
    const value = decode(rawValue);
    const path = splitKey(key);
    if (path) assign(root, path, value);
  }
  return arraysFromIndexedObjects(root) as FormObject;
}

function decode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, " "));
}

/** "a[b][0]" → ["a", "b", "0"]; "d[]" → ["d", ""]. Null for malformed keys. */
function splitKey(key: string): string[] | null {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) return null;
  const rest = [...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]);
  return [m[1], ...rest];
}

const APPEND = "\u0000append";

function assign(target: FormObject, path: string[], value: string) {
  let node: FormObject = target;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] === "" ? `${APPEND}${Object.keys(node).length}` : path[i];
    if (i === path.length - 1) {
      node[seg] = value;
      return;
    }
    const next = node[seg];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[seg] = {};
    node = node[seg] as FormObject;
  }
}

// Objects whose keys are all indices ("0", "1", … or appended) become arrays, in order.
function arraysFromIndexedObjects(v: FormValue): FormValue {
  if (typeof v === "string" || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  const converted: FormObject = {};
  for (const k of keys) converted[k] = arraysFromIndexedObjects(v[k]);
  const indexed = keys.length > 0 && keys.every((k) => /^\d+$/.test(k) || k.startsWith(APPEND));
  if (!indexed) return converted;
  return keys
    .map((k) => ({ n: Number(k.startsWith(APPEND) ? k.slice(APPEND.length) : k), v: converted[k] }))
    .sort((a, b) => a.n - b.n)
    .map((x) => x.v);
}

// Typed readers used by the handlers. Stripe answers a bad parameter with a 400 naming it.
export class ParamError extends Error {
  constructor(
    readonly param: string,
    message: string,
    readonly code: "parameter_missing" | "parameter_invalid_integer" | "parameter_unknown" | "parameter_invalid_empty" | "invalid_value" = "invalid_value",
  ) {
    super(message);
  }
}

export function str(form: FormObject, key: string): string | undefined {
  const v = form[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new ParamError(key, `Invalid string: ${key}`);
  return v;
}

export function requireStr(form: FormObject, key: string): string {
  const v = str(form, key);
  if (v === undefined || v === "") throw new ParamError(key, `Missing required param: ${key}.`, "parameter_missing");
  return v;
}

export function int(form: FormObject, key: string): number | undefined {
  const v = str(form, key);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new ParamError(key, `Invalid integer: ${v}`, "parameter_invalid_integer");
  return Number(v);
}

export function bool(form: FormObject, key: string): boolean | undefined {
  const v = str(form, key);
  if (v === undefined) return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ParamError(key, `Invalid boolean: ${v}`);
}

export function obj(form: FormObject, key: string): FormObject | undefined {
  const v = form[key];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw new ParamError(key, `Invalid object: ${key}`);
  return v;
}

/** Metadata is a flat string map; Stripe deletes a key when it is set to "". */
export function metadata(form: FormObject, existing: Record<string, string> = {}): Record<string, string> {
  const m = obj(form, "metadata");
  if (!m) return existing;
  const out = { ...existing };
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== "string") throw new ParamError(`metadata[${k}]`, "Metadata values must be strings");
    if (v === "") delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Stripe refuses parameters it does not know, naming the first one. */
export function onlyParams(f: FormObject, allowed: readonly string[], prefix = "") {
  for (const k of Object.keys(f)) {
    if (!allowed.includes(k)) {
      const name = prefix ? `${prefix}[${k}]` : k;
      throw new ParamError(name, `Received unknown parameter: ${name}`, "parameter_unknown");
    }
  }
}
