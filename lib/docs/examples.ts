import type { Db } from "@/db/client";
import type { ApiKeyPrincipal } from "@/lib/api-keys";
import { ApiError, type OpenAIErrorBody } from "@/lib/api/errors";
import type { CatalogModel, TextModel } from "@/lib/catalog";
import { costMicroUsd } from "@/lib/metering/cost";
import { openMeter } from "@/lib/metering/meter";
import { rateLimitExceededBody } from "@/lib/ratelimit/errors";
import type { Tier } from "@/db/schema";
import type { CodeSample } from "./samples";

export type { ApiCall, CodeSample, SampleRunner } from "./samples";
export { curlSample, nodeSample, pythonSample, requestOf, samplesFor } from "./samples";

// Example bodies for the docs, produced by the code the API runs wherever possible.

export type CreditExample = {
  model: TextModel;
  inputTokens: number;
  maxTokens: number;
  availableMicroUsd: bigint;
  worstCaseMicroUsd: bigint;
  billingUrl: string;
  body: OpenAIErrorBody;
  /** "meter": produced by the real openMeter(); "fallback": its internals changed (the docs test fails on this). */
  source: "meter" | "fallback";
};

/**
 * The 402 a text request gets when the balance cannot cover its worst case. The body is
 * made by the real openMeter() — the function every /v1 route calls before any model work
 * — run against a stand-in database that answers as an account with `available` spendable
 * credit: the reservation inserts nothing, and the balance read returns the figures. So the
 * docs quote the API's own message, whatever its wording becomes.
 */
export async function insufficientCreditExample(input: { model: TextModel; origin: string; inputTokens?: number; maxTokens?: number }): Promise<CreditExample> {
  const { model } = input;
  const inputTokens = input.inputTokens ?? 1_200;
  const maxTokens = input.maxTokens ?? Math.min(4_096, model.limits.maxOutputTokens);
  const worstCaseMicroUsd = costMicroUsd(model, { inputTokens, outputTokens: maxTokens });
  // Enough for about a quarter of the asked-for output: the message then suggests a max_tokens.
  const availableMicroUsd = costMicroUsd(model, { inputTokens, outputTokens: Math.floor(maxTokens / 4) });
  const billingUrl = `${input.origin}/dashboard/billing`;
  const standIn = {
    execute: async () => [],
    select: () => ({ from: () => ({ where: async () => [{ balance: availableMicroUsd, reserved: 0n }] }) }),
  } as unknown as Db;
  const key: ApiKeyPrincipal = {
    keyId: "key_example",
    keyName: "example",
    accountId: "acct_example",
    tier: "free",
    spendLimitMicroUsd: null,
    spendLimitPeriod: null,
    projectId: null,
    owedMicroUsd: 0n,
  };
  const base = { model, inputTokens, maxTokens, availableMicroUsd, worstCaseMicroUsd, billingUrl };
  try {
    await openMeter({ db: standIn, requestId: "req_example", key, model, worstCase: { inputTokens, outputTokens: maxTokens }, billingUrl });
  } catch (err) {
    if (err instanceof ApiError && err.status === 402) return { ...base, body: err.toJSON(), source: "meter" };
    console.error("[docs] the 402 example could not be produced by openMeter():", err);
  }
  const fallback = new ApiError("insufficient_quota", `Insufficient credit for this request. Add credit at ${billingUrl}. Nothing was charged.`);
  return { ...base, body: fallback.toJSON(), source: "fallback" };
}

/**
 * The 429 body, from the same function as the /v1 wrapper's (lib/ratelimit/errors.ts);
 * tests/integration/v1-ratelimit.test.ts compares a real 429 with it.
 */
export function rateLimitedExample(tier: Tier, retryAfterSeconds: number): OpenAIErrorBody {
  return rateLimitExceededBody({ tier, retryAfterSeconds });
}

/** The exact decimal value of n / 10^scale, trailing zeros dropped ("0.00072", "3"). */
export function exactDecimal(n: bigint, scale: number): string {
  const d = 10n ** BigInt(scale);
  const frac = (n % d).toString().padStart(scale, "0").replace(/0+$/, "");
  return `${n / d}${frac ? "." + frac : ""}`;
}

/** A text request's cost worked out step by step, with the biller's own function. */
export function textCostExample(model: TextModel, inputTokens: number, outputTokens: number) {
  const p = model.pricing;
  // micro-USD × tokens, over 1,000,000 tokens per price unit: exact before rounding.
  const numerator = BigInt(inputTokens) * p.inputMicroUsdPerMTokens + BigInt(outputTokens) * p.outputMicroUsdPerMTokens;
  return { exactMicroUsd: exactDecimal(numerator, 6), billedMicroUsd: costMicroUsd(model, { inputTokens, outputTokens }) };
}

export function firstOf<M extends CatalogModel["modality"]>(models: readonly CatalogModel[], ...modalities: M[]) {
  return models.find((m) => (modalities as string[]).includes(m.modality)) as Extract<CatalogModel, { modality: M }> | undefined;
}

// ---------------------------------------------------------------------------------------
// Code samples. Every sample the product shows (README, dashboard, docs, landing page,
// empty states) comes from here, built from the catalog and this deployment's origin, so
// a sample can only name a model the catalog serves. e2e/samples.spec.ts runs each one
// rendered on the site against the running app (shell samples with bash, Node samples with
// the official `openai` package); lib/docs/readme-sample.test.ts keeps README.md equal.

/** The model samples call: the catalog's first chat model (a built-in simulator, so it works offline). */
export function sampleChatModel(models: readonly CatalogModel[]): TextModel {
  const model = firstOf(models, "chat");
  if (!model) throw new Error("the catalog has no chat model to show in code samples");
  return model;
}

export function chatCurlSample(origin: string, model: TextModel): CodeSample {
  const body = JSON.stringify({ model: model.id, messages: [{ role: "user", content: "Hello" }], max_tokens: 64 });
  return {
    id: "chat-curl",
    title: "With curl",
    lang: "bash",
    run: "shell",
    code: [
      `curl ${origin}/v1/chat/completions \\`,
      `  -H "Authorization: Bearer $METERED_API_KEY" \\`,
      `  -H "Content-Type: application/json" \\`,
      `  -d '${body}'`,
    ].join("\n"),
  };
}

export function chatNodeSample(origin: string, model: TextModel): CodeSample {
  return {
    id: "chat-node",
    title: "With the official OpenAI SDK (Node)",
    lang: "js",
    run: "node",
    code: [
      `import OpenAI from "openai";`,
      ``,
      `const client = new OpenAI({ apiKey: process.env.METERED_API_KEY, baseURL: "${origin}/v1" });`,
      `const reply = await client.chat.completions.create({`,
      `  model: "${model.id}",`,
      `  messages: [{ role: "user", content: "Hello" }],`,
      `  max_tokens: 64,`,
      `});`,
      `console.log(reply.choices[0].message.content);`,
      `console.log(reply.usage); // includes cost (USD) and cost_micro_usd`,
    ].join("\n"),
  };
}

export function creditsCurlSample(origin: string): CodeSample {
  return {
    id: "credits-curl",
    title: "Check your balance",
    lang: "bash",
    run: "shell",
    code: `curl ${origin}/v1/credits -H "Authorization: Bearer $METERED_API_KEY"`,
  };
}

/** The first-request pair: curl and the Node SDK, calling the catalog's first chat model. */
export function quickStartSamples(origin: string, models: readonly CatalogModel[]): CodeSample[] {
  const model = sampleChatModel(models);
  return [chatCurlSample(origin, model), chatNodeSample(origin, model)];
}
