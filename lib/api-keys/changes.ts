import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { processSingleton } from "@/lib/process";

// API-key lookups are cached briefly in every instance (lib/api/key-auth.ts). When a key is
// revoked, or its account's tier or its spend limit changes, the change is announced here:
// subscribers in this process hear it at once, and other instances through PostgreSQL
// LISTEN/NOTIFY (delivered when the writing transaction commits). The cache TTL remains the
// upper bound if a notification is ever missed (e.g. while the listener reconnects).

export const KEY_CHANGES_CHANNEL = "api_key_changes";

export type KeyChange = { keyId: string } | { accountId: string };
type Listener = (change: KeyChange) => void;

// Process-wide (lib/process.ts): a change made in one route bundle reaches the caches of all.
const listeners = processSingleton("apiKeys.changeListeners", () => new Set<Listener>());

export function onKeyChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function emitLocalKeyChange(change: KeyChange): void {
  for (const l of listeners) l(change);
}

export async function notifyKeyChange(db: Queryable, change: KeyChange): Promise<void> {
  emitLocalKeyChange(change);
  await db.execute(sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${JSON.stringify(change)})`);
}

export function parseKeyChange(payload: string): KeyChange | null {
  try {
    const v = JSON.parse(payload);
    if (typeof v?.keyId === "string") return { keyId: v.keyId };
    if (typeof v?.accountId === "string") return { accountId: v.accountId };
  } catch {}
  return null;
}
