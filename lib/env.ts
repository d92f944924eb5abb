import ipaddr from "ipaddr.js";
import { z } from "zod";

function validCidrOrIp(entry: string): boolean {
  try {
    if (entry.includes("/")) ipaddr.parseCIDR(entry);
    else ipaddr.parse(entry);
    return true;
  } catch {
    return false;
  }
}

// Configuration is read once and validated with a message that names the bad variable.
// Every integration is optional: when its variables are absent the app uses its
// embedded default (PGlite, in-process limiter, Stripe test emulator, local models).

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL");

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: postgresUrl.optional(),
    PGLITE_DIR: z.string().min(1).optional(),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// URL")
      .optional(),
    UPSTASH_REDIS_REST_URL: z.url().optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    // Rate limiter: longest wait for Redis before the instance's in-process limiter decides, and how long
    // to skip Redis after a failure (see lib/ratelimit/index.ts).
    RATELIMIT_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).optional(),
    RATELIMIT_BREAKER_MS: z.coerce.number().int().min(0).max(600_000).optional(),
    // Reserve-then-settle: how long a reservation may stay open before the sweeper assumes
    // its process died and releases it (lib/ledger/sweeper.ts). Default 900 (15 min); keep it
    // above the longest request (video jobs run up to 10 min). Tests shorten it.
    RESERVATION_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .optional(),
    // A busy account's credit lease is given back after this long without requests
    // (lib/metering/credit-lease.ts). Default 500 ms.
    CREDIT_LEASE_IDLE_MS: z.coerce
      .number()
      .int()
      .min(1)
      .max(60 * 60_000)
      .optional(),
    // Stopping (lib/shutdown.ts): how long open requests and streams may run after SIGTERM
    // before they are cut (and billed for what was delivered). Default 30.
    SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).optional(),
    // Per-IP abuse limits on the account forms (lib/auth/ip-limits.ts); defaults 5 and 20.
    SIGNUP_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).optional(),
    SIGNIN_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).optional(),
    // Velocity limits on the billing forms, per account per hour (per client IP: twice that);
    // defaults 10 and 5 (lib/billing/velocity.ts).
    TOPUP_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).optional(),
    CARD_SETUP_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).optional(),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^sk_(test|live)_/, "must start with sk_test_ or sk_live_")
      .optional(),
    NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: z
      .string()
      .regex(/^pk_(test|live)_/, "must start with pk_test_ or pk_live_")
      .optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_/, "must start with whsec_")
      .optional(),
    // The Stripe test emulator (devtools/stripe-emulator), used when the three STRIPE_* keys
    // are unset and the emulator's keys are given (scripts/start.mjs generates them once per
    // installation into .data/stripe-emulator-keys.json and passes them to both processes):
    // where the server reaches it, where browsers do if that differs (default
    // http://127.0.0.1:12111), and its keys. Never in production unless
    // STRIPE_EMULATOR_IN_PRODUCTION=1 (lib/billing/config.ts).
    STRIPE_EMULATOR_URL: z.url().optional(),
    STRIPE_EMULATOR_PUBLIC_URL: z.url().optional(),
    STRIPE_EMULATOR_SECRET_KEY: z
      .string()
      .regex(/^sk_test_\w{16,}$/, "must be sk_test_ followed by at least 16 characters")
      .optional(),
    STRIPE_EMULATOR_PUBLISHABLE_KEY: z
      .string()
      .regex(/^pk_test_\w{16,}$/, "must be pk_test_ followed by at least 16 characters")
      .optional(),
    STRIPE_EMULATOR_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_\w{32,}$/, "must be whsec_ followed by at least 32 characters")
      .optional(),
    // Set by `npm start` (scripts/start.mjs) on a run that is not NODE_ENV=production: a local
    // run on the developer's machine, where the Stripe emulator is expected (the start notice
    // says so instead of the production warning, lib/billing/config.ts).
    METERED_LOCAL_RUN: z.enum(["0", "1"]).optional(),
    STRIPE_EMULATOR_IN_PRODUCTION: z.enum(["0", "1"]).optional(),
    UPSTREAM_BASE_URL: z.url().optional(),
    UPSTREAM_API_KEY: z.string().optional(),
    // Upstream providers and the models they serve (lib/catalog/config.ts): JSON, inline
    // and/or in a file. Their contents are validated with the catalog at start.
    PROVIDERS: z.string().startsWith("{", 'must be a JSON object: {"providers": [...], "models": [...]}').optional(),
    PROVIDERS_FILE: z.string().min(1).optional(),
    ADMIN_EMAILS: z.string().optional(),
    APP_URL: z.url().optional(),
    // Outgoing email (lib/email): an SMTP URL for nodemailer, e.g. smtps://user:pass@smtp.example.com:465.
    // Required in production (checked at start-up, lib/email/config.ts); `npm start` points it at
    // the local mail sink when unset.
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .optional(),
    EMAIL_FROM: z.string().min(3).optional(),
    // Free credit (lib/accounts/free-credit.ts): at most this many grants per UTC day; 0 = none.
    FREE_GRANTS_PER_DAY: z.coerce.number().int().min(0).max(100_000_000).optional(),
    // Promotional credit (the free credit, operator grants) expires this many days after it was
    // granted (lib/ledger/credit-kinds.ts); default 365, 0 = never.
    FREE_CREDIT_EXPIRES_DAYS: z.coerce.number().int().min(0).max(36_500).optional(),
    // Client IPs (lib/auth/client-ip.ts): forwarded headers are believed only through proxies
    // configured here, either a hop count or a list of proxy addresses/CIDRs.
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).optional(),
    TRUSTED_PROXIES: z.string().min(1).optional(),
    // Active API keys per account (lib/api-keys); default 25.
    MAX_KEYS_PER_ACCOUNT: z.coerce.number().int().min(1).max(10_000).optional(),
    // Operations (lib/observability): the bearer token /metrics asks for (unset: /metrics
    // answers 404), the log level of the JSON logs, and OpenTelemetry's OTLP/HTTP endpoint
    // (unset: no tracing is loaded at all; the other OTEL_* variables are read by the SDK).
    METRICS_TOKEN: z
      .string()
      .min(16, "must be at least 16 characters")
      .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
      .optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  })
  .superRefine((env, ctx) => {
    // Links in API errors, docs and image URLs are built from APP_URL; without it they would
    // come from the request's Host header, which any client sets (cache poisoning, phishing
    // links). `next build` also runs with NODE_ENV=production and needs no APP_URL.
    if (env.NODE_ENV === "production" && !env.APP_URL && process.env.NEXT_PHASE !== "phase-production-build") {
      ctx.addIssue({ code: "custom", path: ["APP_URL"], message: "required in production: the public URL of this app, e.g. https://api.example.com" });
    }
    if (!!env.UPSTASH_REDIS_REST_URL !== !!env.UPSTASH_REDIS_REST_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: [env.UPSTASH_REDIS_REST_URL ? "UPSTASH_REDIS_REST_TOKEN" : "UPSTASH_REDIS_REST_URL"],
        message: "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together",
      });
    }
    const stripe = [env.STRIPE_SECRET_KEY, env.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY, env.STRIPE_WEBHOOK_SECRET];
    if (stripe.some(Boolean) && !stripe.every(Boolean)) {
      const missing = ["STRIPE_SECRET_KEY", "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"].filter((_, i) => !stripe[i]);
      ctx.addIssue({
        code: "custom",
        path: [missing[0]],
        message: "Stripe needs all three of STRIPE_SECRET_KEY, NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET",
      });
    }
    if (env.TRUST_PROXY_HOPS !== undefined && env.TRUSTED_PROXIES) {
      ctx.addIssue({ code: "custom", path: ["TRUSTED_PROXIES"], message: "set either TRUST_PROXY_HOPS or TRUSTED_PROXIES, not both" });
    }
    if (env.TRUSTED_PROXIES) {
      for (const entry of env.TRUSTED_PROXIES.split(",")
        .map((e) => e.trim())
        .filter(Boolean)) {
        if (!validCidrOrIp(entry)) {
          ctx.addIssue({ code: "custom", path: ["TRUSTED_PROXIES"], message: `"${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1)` });
        }
      }
    }
  });

export type Env = z.infer<typeof schema>;

export class ConfigError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Treat empty strings as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(config)"}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/**
 * The public origin for absolute links (API errors, docs, image URLs): APP_URL, and only in
 * development the request's own origin. Never the Host header in production.
 */
export function appOrigin(requestUrl?: string | null): string {
  const e = env();
  if (e.APP_URL) return e.APP_URL.replace(/\/+$/, "");
  if (e.NODE_ENV === "production") throw new ConfigError("Invalid configuration:\n  APP_URL: required in production");
  return requestUrl ? new URL(requestUrl).origin : "http://localhost:3000";
}

export function adminEmails(): string[] {
  return (env().ADMIN_EMAILS ?? "")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
}
