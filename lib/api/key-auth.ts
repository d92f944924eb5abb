import { sql } from "drizzle-orm";
import { getDbHandle, type Db } from "@/db/client";
import { emitLocalKeyChange, KEY_CHANGES_CHANNEL, onKeyChange, parseKeyChange } from "@/lib/api-keys/changes";
import { findActiveKey, hashApiKey, type ApiKeyPrincipal } from "@/lib/api-keys";
import { onShutdown, processSingleton } from "@/lib/process";
import { MANAGEMENT_KEY_PREFIX } from "@/lib/management/keys";
import { ApiError } from "./errors";

const MANAGEMENT_KEY_ON_V1 =
  "This is a management key (sk-mt-admin-…): it calls the management API (/api/v1). /v1 needs a model API key (sk-mt-…); create one at /dashboard/keys or with POST /api/v1/keys.";

// Key lookups are cached in-process for KEY_CACHE_TTL_MS (5 s): a revoked key, a tier or a
// spend-limit change is honoured by every instance within that bound. Only hits are
// cached (an unknown key costs a lookup each time, and cannot fill the cache).
export const KEY_CACHE_TTL_MS = 5_000;
const KEY_CACHE_MAX = 10_000;

type Cached = { principal: ApiKeyPrincipal; expiresAt: number };

// Process-wide (lib/process.ts): Next.js bundles each route handler separately, each with
// its own copy of this module; one cache, one LISTEN and one set of pending last-used
// writes per process, which the shutdown flush can reach.
const state = processSingleton("apiKeys.cache", () => ({
  cache: new Map<string, Cached>(), // by key hash
  listening: null as Promise<void> | null,
  lastWritten: new Map<string, number>(), // keyId → when we last queued a write
  pending: new Map<string, Date>(),
  flushTimer: null as ReturnType<typeof setTimeout> | null,
  flushDb: null as Db | null,
}));
const { cache, lastWritten, pending } = state;

/** Drop cached lookups: one key, every key of an account, or everything. */
export function invalidateKeyCache(keyId?: string, accountId?: string): void {
  if (!keyId && !accountId) return cache.clear();
  for (const [hash, c] of cache) {
    if (c.principal.keyId === keyId || c.principal.accountId === accountId) cache.delete(hash);
  }
}

// Revocations, tier and spend-limit changes reach the cache at once in this process and,
// through LISTEN/NOTIFY, in every other instance (lib/api-keys/changes.ts).
onKeyChange((change) => invalidateKeyCache("keyId" in change ? change.keyId : undefined, "accountId" in change ? change.accountId : undefined));
function listenForKeyChanges(): void {
  state.listening ??= getDbHandle()
    .then((h) =>
      h.listen(KEY_CHANGES_CHANNEL, (payload) => {
        const change = parseKeyChange(payload);
        if (change) emitLocalKeyChange(change);
      }),
    )
    .catch((err) => {
      state.listening = null; // retried on the next request; the TTL bounds staleness meanwhile
      console.error("[api] could not LISTEN for key changes", err);
    });
}

function unauthorized(message: string): ApiError {
  return new ApiError("invalid_api_key", message, { headers: { "www-authenticate": 'Bearer realm="api"' } });
}

export async function authenticate(db: Db, req: Request): Promise<ApiKeyPrincipal> {
  const header = req.headers.get("authorization");
  if (!header) {
    throw unauthorized("You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY'; create keys at /dashboard/keys.");
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized("Malformed Authorization header: expected 'Bearer YOUR_KEY'.");
  const secret = m[1];
  const hash = hashApiKey(secret);
  const now = Date.now();
  listenForKeyChanges();
  const hit = cache.get(hash);
  if (hit && hit.expiresAt > now) return hit.principal;
  const principal = await findActiveKey(db, secret);
  if (!principal) {
    cache.delete(hash);
    // A management key sent to /v1 (checked only on the refusal path: no cost to valid keys).
    if (secret.startsWith(MANAGEMENT_KEY_PREFIX)) throw unauthorized(MANAGEMENT_KEY_ON_V1);
    throw unauthorized("Incorrect API key provided, or the key was revoked. Check it at /dashboard/keys.");
  }
  if (cache.size >= KEY_CACHE_MAX) cache.clear();
  cache.set(hash, { principal, expiresAt: now + KEY_CACHE_TTL_MS });
  return principal;
}

// last_used_at without a write per request: uses are noted in memory and flushed in one
// batched UPDATE, at most once per key per LAST_USED_RESOLUTION_MS per process. The
// column is therefore accurate to about a minute, which is what a key list shows.
export const LAST_USED_RESOLUTION_MS = 60_000;
const FLUSH_DELAY_MS = 1_000;

// Pending writes are flushed at shutdown too (the registry: lib/process.ts).
onShutdown("apiKeys.lastUsed", () => flushLastUsed().then(() => {}));

export function noteKeyUsed(db: Db, keyId: string, at = new Date()): void {
  const prev = lastWritten.get(keyId);
  if (prev !== undefined && at.getTime() - prev < LAST_USED_RESOLUTION_MS) return;
  lastWritten.set(keyId, at.getTime());
  if (lastWritten.size > KEY_CACHE_MAX) lastWritten.clear();
  pending.set(keyId, at);
  state.flushDb = db;
  state.flushTimer ??= setTimeout(() => void flushLastUsed().catch((err) => console.error("[api] last_used flush failed", err)), FLUSH_DELAY_MS);
  state.flushTimer.unref?.();
}

/** Writes the pending last-used times now (also used by tests and at shutdown). */
export async function flushLastUsed(): Promise<number> {
  if (state.flushTimer) clearTimeout(state.flushTimer);
  state.flushTimer = null;
  const db = state.flushDb;
  if (!pending.size || !db) return 0;
  const batch = [...pending.entries()];
  pending.clear();
  const values = sql.join(
    batch.map(([id, at]) => sql`(${id}, ${at.toISOString()}::timestamptz)`),
    sql`, `,
  );
  await db.execute(
    sql`update api_keys set last_used_at = v.at
          from (values ${values}) as v(id, at)
         where api_keys.id = v.id and (api_keys.last_used_at is null or api_keys.last_used_at < v.at)`,
  );
  return batch.length;
}
