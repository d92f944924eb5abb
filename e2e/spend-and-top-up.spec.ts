import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPostgres } from "@/db/client";
import { runCommand } from "@/lib/cli/commands";
import { BASE_URL } from "../playwright.config";
import { BillingPage, expect, test } from "./fixtures";

// Spend the credit through the API until 402, top up with a card, and the API answers
// again. The account is first brought down to $0.05 with the operator CLI (an
// adjustment), so a handful of $0.02 image requests exhaust it within the Free tier's
// 10 requests per minute.

const port = new URL(BASE_URL).port;
const dbEnv = () => JSON.parse(fs.readFileSync(path.join(os.tmpdir(), `metered-e2e-${port}.json`), "utf8")) as { DATABASE_URL?: string };

async function generateImage(secret: string) {
  const res = await fetch(`${BASE_URL}/v1/images/generations`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "local/image-sim", prompt: "a lighthouse", n: 1, size: "256x256" }),
  });
  return { status: res.status, body: await res.json() };
}

test("spend through the API until 402, top up $5.00, and the API answers again", async ({ page, user, keys }) => {
  const url = dbEnv().DATABASE_URL;
  test.skip(!url && process.env.CI !== "true", "needs the e2e server on PostgreSQL (the CLI cannot share its PGlite folder)");
  await keys.open();
  const secret = await keys.create("spender");

  const handle = openPostgres(url!, { max: 1 });
  try {
    await runCommand(handle.db, "adjust", { email: user.email, amount: "-9.95", reason: "e2e: bring the balance to $0.05" }, () => {});
  } finally {
    await handle.close();
  }

  const answers: number[] = [];
  let refusal: { error: { message: string; code: string } } | null = null;
  for (let i = 0; i < 5 && !refusal; i++) {
    const r = await generateImage(secret);
    answers.push(r.status);
    if (r.status === 402) refusal = r.body;
    else expect(r.status).toBe(200);
  }
  expect(answers).toEqual([200, 200, 402]);
  expect(refusal!.error.code).toBe("insufficient_quota");
  expect(refusal!.error.message).toContain("/dashboard/billing");

  await page.goto("/dashboard/billing");
  await expect(page.getByTestId("billing-balance")).toHaveText("$0.01");
  const billing = new BillingPage(page);
  await billing.addCard("4242424242424242", "4242");
  await billing.topUp("5.00");
  await expect(page.getByTestId("billing-balance")).toHaveText("$5.01");

  const again = await generateImage(secret);
  expect(again.status).toBe(200);
  expect(again.body.usage.cost_micro_usd).toBe(20_000);
});
