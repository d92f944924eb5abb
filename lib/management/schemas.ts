import { z } from "zod";
import { KEY_NAME_MAX } from "@/lib/api-keys";

// The management API's request and response shapes, in zod 4: the handlers parse bodies
// and queries with these, and ./openapi.ts turns the very same objects into the OpenAPI 3.1
// document (z.toJSONSchema), so the two cannot drift. Money: USD numbers (exact to the
// micro-dollar: at most 6 decimals) beside integer `_micro_usd` fields.

/** The most a limit may be, in USD: far above any real budget, and exact as a JSON number. */
export const MAX_LIMIT_USD = 1_000_000_000;

export const LIMIT_RESETS = ["daily", "weekly", "monthly"] as const;

/** A non-negative USD amount with at most 6 decimals (so it is exactly a number of micro-dollars). */
const usdAmount = z
  .number()
  .min(0)
  .max(MAX_LIMIT_USD)
  .refine((n) => Number(BigInt(Math.round(n * 1e6))) / 1e6 === n, { message: "at most 6 decimals (micro-dollars)" });

const keyName = z.string().trim().min(1).max(KEY_NAME_MAX);

const limitReset = z.enum(LIMIT_RESETS).nullable().meta({
  description: "When the limit starts over (UTC periods; weeks start on Monday). null: the limit is for the key's whole life.",
});

export const createKeyBody = z
  .object({
    name: keyName.meta({ description: "A name to recognise the key by." }),
    project: z.string().min(1).optional().meta({ description: "The project's id (proj_…) or name. Default: the organization's Default project." }),
    limit: usdAmount.nullable().optional().meta({ description: "Spend limit in USD (up to 6 decimals); null or absent: no limit." }),
    limit_reset: limitReset.optional(),
  })
  .strict()
  .meta({ id: "CreateKeyRequest" });

export const updateKeyBody = z
  .object({
    name: keyName.optional(),
    limit: usdAmount.nullable().optional().meta({ description: "New spend limit in USD; null removes it." }),
    limit_reset: limitReset.optional(),
    disabled: z.boolean().optional().meta({ description: "true: the key is refused by /v1 until enabled again (false)." }),
  })
  .strict()
  .meta({ id: "UpdateKeyRequest" });

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD (UTC)");

export const USAGE_GROUPS = ["day", "model", "key", "project"] as const;
/** The longest period one usage query may cover, in UTC days. */
export const MAX_USAGE_DAYS = 366;

export const usageQuery = z
  .object({
    from: isoDay.optional().meta({ description: "First UTC day, included (YYYY-MM-DD). Default: 29 days before `to`." }),
    to: isoDay.optional().meta({ description: "Last UTC day, included (YYYY-MM-DD). Default: today (UTC)." }),
    group_by: z.enum(USAGE_GROUPS).default("day").meta({ description: "One row per UTC day, model, key or project." }),
  })
  .strict();

const project = z
  .object({ id: z.string(), name: z.string() })
  .nullable()
  .meta({ description: "The project the key belongs to (its budget and model allowlist apply)." });

export const keyObject = z
  .object({
    id: z.string().meta({ description: "key_…" }),
    name: z.string(),
    start: z.string().meta({ description: "The first characters of the secret, to recognise it." }),
    project,
    limit: z.number().nullable().meta({ description: "Spend limit in USD, or null." }),
    limit_micro_usd: z.int().nullable(),
    limit_reset: z.enum(LIMIT_RESETS).nullable(),
    usage: z.number().meta({
      description:
        "What the key spent, in USD, counted as its limit counts it: in the current period when limit_reset is set, else over the key's whole life; requests still running count at their hold.",
    }),
    usage_micro_usd: z.int(),
    disabled: z.boolean(),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable().meta({ description: "To about a minute." }),
  })
  .meta({ id: "Key" });

export const createKeyResponse = z
  .object({ key: z.string().meta({ description: "The secret (sk-mt-…), shown this once: it is not stored." }), data: keyObject })
  .meta({ id: "CreatedKey" });
export const keyResponse = z.object({ data: keyObject }).meta({ id: "KeyResponse" });
export const keyListResponse = z.object({ data: z.array(keyObject) }).meta({ id: "KeyList" });
export const deletedKeyResponse = z.object({ data: z.object({ id: z.string(), deleted: z.literal(true) }) }).meta({ id: "DeletedKey" });

export const creditsResponse = z
  .object({
    data: z.object({
      total_credits: z.number().meta({ description: "Σ of every credit ever added (top-ups, grants, free credit, positive adjustments), USD." }),
      total_credits_micro_usd: z.int(),
      total_usage: z.number().meta({ description: "Σ of every settled request's cost, USD." }),
      total_usage_micro_usd: z.int(),
      balance: z.number().meta({
        description: "The organization's balance (Σ of the ledger): total_credits − total_usage − refunds, disputes and expired credit.",
      }),
      balance_micro_usd: z.int(),
      held: z.number().meta({ description: "Held for requests running now (part of the balance, not spendable)." }),
      held_micro_usd: z.int(),
    }),
  })
  .meta({ id: "Credits" });

export const usageRow = z
  .object({
    day: z.string().optional().meta({ description: "group_by=day: the UTC day." }),
    model: z.string().optional().meta({ description: "group_by=model." }),
    key_id: z.string().nullable().optional().meta({ description: "group_by=key: the key's id (null for usage recorded without a key)." }),
    key_name: z.string().nullable().optional(),
    project_id: z.string().nullable().optional().meta({ description: "group_by=project: the project of the key (null for a key without one)." }),
    project_name: z.string().nullable().optional(),
    requests: z.int(),
    input_tokens: z.int(),
    output_tokens: z.int(),
    images: z.int(),
    video_seconds: z.int(),
    characters: z.int(),
    audio_ms: z.int(),
    cost: z.number().meta({ description: "USD." }),
    cost_micro_usd: z.int().meta({ description: "Exact; equals the Σ of cost_micro_usd of the same rows of the CSV export." }),
  })
  .meta({ id: "UsageRow" });

export const usageResponse = z
  .object({
    from: z.string(),
    to: z.string(),
    group_by: z.enum(USAGE_GROUPS),
    data: z.array(usageRow),
    total: usageRow.omit({ day: true, model: true, key_id: true, key_name: true, project_id: true, project_name: true }),
  })
  .meta({ id: "Usage" });

export const errorResponse = z
  .object({
    error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
  })
  .meta({ id: "Error" });

export type CreateKeyBody = z.infer<typeof createKeyBody>;
export type UpdateKeyBody = z.infer<typeof updateKeyBody>;
export type UsageQuery = z.infer<typeof usageQuery>;
export type KeyObject = z.infer<typeof keyObject>;
