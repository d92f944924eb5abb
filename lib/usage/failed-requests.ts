import type { Db } from "@/db/client";
import { failedRequests } from "@/db/schema";
import { onShutdown, processSingleton } from "@/lib/process";

// Requests refused before any credit was reserved (400, 402, 404, 429 …) leave no usage
// event (usage events are the billed requests). They are recorded here so the request log
// can show them, cheaply and off the response path:
//   - the wrapper only appends to an in-memory map (no await, no I/O on the request);
//   - identical refusals (same account, key, route, status, code, model) within one flush
//     window are coalesced into one row with a count;
//   - one multi-row INSERT per window, at most MAX_GROUPS rows: a 429 storm of any size is
//     at most two writes a second per instance; groups beyond the cap are dropped (and
//     counted in the log line), since this is a diagnostic record, not money.
// No ledger entry, no cost: nothing here touches balances or usage_events.

export const FLUSH_WINDOW_MS = 500;
export const MAX_GROUPS = 1_000;

export type FailedRequest = {
  requestId: string;
  accountId: string;
  keyId: string | null;
  method: string;
  path: string;
  model: string | null;
  httpStatus: number;
  code: string;
  message: string;
  at?: Date;
};

type Group = Omit<FailedRequest, "at"> & { count: number; createdAt: Date; lastAt: Date };

type State = { groups: Map<string, Group>; db: Db | null; timer: ReturnType<typeof setTimeout> | null; dropped: number };

const state = () =>
  processSingleton<State>("usage.failed-requests", () => {
    onShutdown("usage.failed-requests", () => flushFailedRequests().then(() => undefined));
    return { groups: new Map(), db: null, timer: null, dropped: 0 };
  });

/** Notes a refused request; written within FLUSH_WINDOW_MS. Never throws, never waits. */
export function recordFailedRequest(db: Db, f: FailedRequest): void {
  const s = state();
  const at = f.at ?? new Date();
  const key = [f.accountId, f.keyId, f.method, f.path, f.httpStatus, f.code, f.model].join("\u0000");
  const g = s.groups.get(key);
  if (g) {
    g.count++;
    g.lastAt = at;
  } else if (s.groups.size >= MAX_GROUPS) {
    s.dropped++;
  } else {
    s.groups.set(key, { ...f, message: f.message.slice(0, 500), count: 1, createdAt: at, lastAt: at });
  }
  s.db = db;
  s.timer ??= setTimeout(() => void flushFailedRequests().catch((err) => console.error("[usage] failed-request flush failed", err)), FLUSH_WINDOW_MS);
  s.timer.unref?.();
}

/** Writes what is pending now, in one INSERT (also at shutdown and in tests). Returns the rows written. */
export async function flushFailedRequests(): Promise<number> {
  const s = state();
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  if (s.dropped) {
    console.warn(`[usage] ${s.dropped} refused requests not recorded: more than ${MAX_GROUPS} kinds in ${FLUSH_WINDOW_MS} ms`);
    s.dropped = 0;
  }
  if (!s.groups.size || !s.db) return 0;
  const batch = [...s.groups.values()];
  s.groups.clear();
  await s.db.insert(failedRequests).values(batch);
  return batch.length;
}
