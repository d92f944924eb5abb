import { afterAll, beforeAll } from "vitest";
import type OpenAI from "openai";
import type { Db } from "@/db/client";
import type { Tier } from "@/db/schema";
import { startBilling } from "@/lib/billing/start";
import { waitForVideoJobs } from "@/lib/media/video-jobs";
import { clearDbForRoutes, sdkClient, useDbForRoutes } from "./app-fetch";
import { makeAccountWithKey } from "./api-keys";
import { createTestDb, type TestDb } from "./db";
import { mediaAccount, rawCall } from "./media";

// The one set-up of an integration test file: a scratch database (PostgreSQL, or PGlite
// under TEST_DB=pglite), the route handlers pointed at it, billing's after-settle hook
// registered as the server's start does (lib/billing/start.ts), and at the end every
// pending settle, lease, last-used write and video job waited for before the database is
// dropped. Call it once at the top of a file:
//
//   const app = integrationApp();
//   it("...", async () => { const a = await app.account(); ... app.client(a.secret) ... });

export type IntegrationApp = {
  /** The test database (valid inside tests and hooks). */
  readonly t: TestDb;
  readonly db: Db;
  /** A new account ($10 signup credit) with one API key, Paid tier unless told otherwise; optionally left with exactly `availableMicroUsd`. */
  account(opts?: { tier?: Tier; availableMicroUsd?: bigint }): ReturnType<typeof makeAccountWithKey>;
  /** The official SDK, calling the route handlers in-process. */
  client(secret: string): OpenAI;
  /** A raw call through the in-process app (for what the SDK cannot send); the body parsed as JSON when it is. */
  call: typeof rawCall;
};

export function integrationApp(opts: { maxConnections?: number } = {}): IntegrationApp {
  let t: TestDb | undefined;
  beforeAll(async () => {
    t = await createTestDb({ maxConnections: opts.maxConnections });
    useDbForRoutes(t);
    startBilling();
  });
  afterAll(async () => {
    await waitForVideoJobs();
    await clearDbForRoutes();
    await t?.drop();
  });
  const need = () => {
    if (!t) throw new Error("integrationApp(): the database exists only inside tests and hooks");
    return t;
  };
  return {
    get t() {
      return need();
    },
    get db() {
      return need().db as Db;
    },
    account: async (o = {}) => {
      if (o.availableMicroUsd === undefined) return makeAccountWithKey(need().db, { tier: o.tier });
      return mediaAccount(need().db, { availableMicroUsd: o.availableMicroUsd, tier: o.tier });
    },
    client: (secret) => sdkClient(secret),
    call: rawCall,
  };
}
