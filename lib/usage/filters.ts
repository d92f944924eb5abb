import { MODALITIES, type Modality } from "@/lib/catalog/types";

// The usage page's filters live in the URL (shareable links), so everything here is parsed
// from untrusted search params. Nothing in them can widen the scope: the account always
// comes from the session, and a key id or model is only ever an extra AND condition.

export const RANGES = ["24h", "7d", "30d", "90d", "custom"] as const;
export type Range = (typeof RANGES)[number];
export const RANGE_LABELS: Record<Range, string> = {
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  "90d": "Last 90 days",
  custom: "Custom",
};
export const DEFAULT_RANGE: Range = "30d";
/** A custom range may span at most this many UTC days. */
export const MAX_CUSTOM_DAYS = 366;

export type Bucket = "hour" | "day";

export type UsageFilters = {
  range: Range;
  /** Inclusive start and exclusive end of the period. */
  from: Date;
  to: Date;
  bucket: Bucket;
  keyId: string | null;
  model: string | null;
  modality: Modality | null;
  /** ?project=<id>: only the usage of the project's keys (issue 24). */
  projectId?: string | null;
  /**
   * Only the usage of keys this user created: set from the session for a role without
   * usage.all (ownUsageOnly), never from the URL.
   */
  createdBy?: string | null;
  /** For custom ranges: the UTC dates as entered (YYYY-MM-DD, both inclusive). */
  fromDate: string | null;
  toDate: string | null;
};

export type SearchParamsInput = URLSearchParams | Record<string, string | string[] | undefined>;

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
// Ids and model names are short printable strings; anything else is dropped, not queried.
const TOKEN_RE = /^[\w./:@+-]{1,200}$/;

function get(params: SearchParamsInput, name: string): string | null {
  const v = params instanceof URLSearchParams ? params.get(name) : params[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" && s.length > 0 ? s : null;
}

export function startOfUtcDay(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
}

export function startOfUtcMonth(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

function parseUtcDate(s: string | null): Date | null {
  if (!s || !DATE_RE.test(s)) return null;
  const d = new Date(`${s}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s ? null : d;
}

export const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Search params → a concrete period and filters. Presets of N days are N whole UTC days
 * ending with today (so a link shows the same days all day long); "24h" is the last 24
 * hours in hourly buckets. Anything unparseable falls back to the default.
 */
export function parseUsageFilters(params: SearchParamsInput, now: Date = new Date()): UsageFilters {
  const rangeParam = get(params, "range");
  // A date typed into From or To is a custom period, whatever the Period select says: the
  // user should not also have to pick "Custom" (the form clears the dates when a preset is
  // chosen, so a preset still wins when picked).
  const typedDates = parseUtcDate(get(params, "from")) !== null || parseUtcDate(get(params, "to")) !== null;
  const range: Range = typedDates ? "custom" : (RANGES as readonly string[]).includes(rangeParam ?? "") ? (rangeParam as Range) : DEFAULT_RANGE;
  const tomorrow = new Date(startOfUtcDay(now).getTime() + DAY_MS);
  let from: Date;
  let to: Date;
  let bucket: Bucket = "day";
  let fromDate: string | null = null;
  let toDate: string | null = null;

  if (range === "custom") {
    let a = parseUtcDate(get(params, "from"));
    let b = parseUtcDate(get(params, "to")) ?? startOfUtcDay(now);
    if (!a) a = new Date(b.getTime() - 29 * DAY_MS);
    if (a > b) [a, b] = [b, a];
    if ((b.getTime() - a.getTime()) / DAY_MS >= MAX_CUSTOM_DAYS) a = new Date(b.getTime() - (MAX_CUSTOM_DAYS - 1) * DAY_MS);
    from = a;
    to = new Date(b.getTime() + DAY_MS);
    fromDate = isoDate(a);
    toDate = isoDate(b);
  } else if (range === "24h") {
    to = now;
    from = new Date(now.getTime() - DAY_MS);
    bucket = "hour";
  } else {
    const days = Number(range.slice(0, -1));
    to = tomorrow;
    from = new Date(tomorrow.getTime() - days * DAY_MS);
  }

  const token = (name: string) => {
    const v = get(params, name);
    return v && TOKEN_RE.test(v) ? v : null;
  };
  const modalityParam = get(params, "modality");
  return {
    range,
    from,
    to,
    bucket,
    keyId: token("key"),
    model: token("model"),
    modality: (MODALITIES as readonly string[]).includes(modalityParam ?? "") ? (modalityParam as Modality) : null,
    projectId: token("project"),
    createdBy: null,
    fromDate,
    toDate,
  };
}

/**
 * The filters narrowed to the keys `userId` created, unless the viewer may see the whole
 * organization's usage (usage.all). The scope is an extra AND in every query, never a UI filter.
 */
export function ownUsageOnly(f: UsageFilters, viewer: { userId: string; seesAll: boolean }): UsageFilters {
  return viewer.seesAll ? f : { ...f, createdBy: viewer.userId };
}

/** The filters back as search params, for links that keep them (pagination, export). */
export function filtersToSearchParams(f: UsageFilters, extra: Record<string, string | null | undefined> = {}): URLSearchParams {
  const p = new URLSearchParams();
  p.set("range", f.range);
  if (f.range === "custom") {
    if (f.fromDate) p.set("from", f.fromDate);
    if (f.toDate) p.set("to", f.toDate);
  }
  if (f.keyId) p.set("key", f.keyId);
  if (f.model) p.set("model", f.model);
  if (f.modality) p.set("modality", f.modality);
  if (f.projectId) p.set("project", f.projectId);
  for (const [k, v] of Object.entries(extra)) {
    if (v === null || v === undefined || v === "") p.delete(k);
    else p.set(k, v);
  }
  return p;
}

/** Every bucket of the period, oldest first, keyed like the SQL's bucket column. */
export function bucketKeys(f: Pick<UsageFilters, "from" | "to" | "bucket">): string[] {
  const step = f.bucket === "hour" ? 3_600_000 : DAY_MS;
  const keys: string[] = [];
  for (let t = Math.floor(f.from.getTime() / step) * step; t < f.to.getTime(); t += step) keys.push(bucketKey(new Date(t)));
  return keys;
}

/** "2025-03-04T13:00": the format the SQL's to_char produces for a bucket start. */
export function bucketKey(d: Date): string {
  return d.toISOString().slice(0, 13) + ":00";
}

export function bucketLabel(key: string, bucket: Bucket): string {
  return bucket === "hour" ? `${key.slice(5, 10)} ${key.slice(11, 16)}` : key.slice(0, 10);
}

export function describePeriod(f: UsageFilters): string {
  const end = new Date(f.to.getTime() - 1);
  if (f.bucket === "hour") {
    const fmt = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");
    return `${fmt(f.from)} – ${fmt(f.to)} UTC`;
  }
  return `${isoDate(f.from)} – ${isoDate(end)} (UTC days)`;
}
