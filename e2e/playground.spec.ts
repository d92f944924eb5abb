import OpenAI from "openai";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DESKTOP, expectAccessible, expectNoHorizontalOverflow, PHONE } from "./site";

// Issue 23 item 6: the playground sends real /v1 requests with the account's credit. A
// streamed chat and an image, each sent from the playground and then the same request with
// the official SDK: the costs are equal to the micro-dollar, and the balances read from
// /v1/credits move by exactly those costs.

type Credits = { balance_micro_usd: number };

async function credits(baseURL: string, apiKey: string): Promise<Credits> {
  const res = await fetch(`${baseURL}/v1/credits`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Credits;
}

async function openPlaygroundWithKey(page: Page) {
  await page.goto("/dashboard/playground");
  await page.getByTestId("playground-create-key").click();
  await expect(page.getByTestId("playground-key-start")).toContainText("sk-mt-");
}

const microOf = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute("data-micro-usd"));

test("a streamed chat from the playground is billed exactly like the same request through the SDK", async ({ page, user, keys, baseURL }) => {
  expect(user.email).toBeTruthy();
  await keys.open();
  const sdkKey = await keys.create("sdk");
  const before = await credits(baseURL!, sdkKey);

  await openPlaygroundWithKey(page);
  // The playground's key is a real key of the account, on the keys page like any other.
  await page.goto("/dashboard/keys");
  await expect(keys.row("Playground")).toHaveCount(1);
  await page.goto("/dashboard/playground");
  await expect(page.getByTestId("playground-key-start")).toBeVisible();

  const message = "Metering, streamed one word at a time, to the micro-dollar";
  await page.getByTestId("playground-model").selectOption("local/echo-chat");
  await page.getByTestId("playground-prompt").fill(message);
  await page.getByTestId("playground-max-tokens").fill("64");
  // Every value the answer shows while it streams.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __seen: string[] }).__seen = seen;
    new MutationObserver(() => {
      const t = document.querySelector('[data-testid="playground-text"]')?.textContent ?? "";
      if (t && seen.at(-1) !== t) seen.push(t);
    }).observe(document.querySelector('[data-testid="playground-result"]')!, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId("playground-send").click();
  await expect(page.getByTestId("playground-text")).toHaveText(message); // the echo model repeats it
  await expect(page.getByTestId("playground-balance")).toBeVisible();
  const seen = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
  expect(seen.length, `streamed in pieces: ${JSON.stringify(seen)}`).toBeGreaterThan(2);
  expect(message.startsWith(seen[0]) && seen[0].length < message.length).toBe(true);

  const pgCost = await microOf(page, "playground-cost");
  const pgBalance = await microOf(page, "playground-balance");
  expect(pgCost).toBeGreaterThan(0);
  expect(pgBalance).toBe(before.balance_micro_usd - pgCost);

  // The code shown is the request just sent.
  await page.getByTestId("playground-lang-node").click();
  await expect(page.getByTestId("playground-sample")).toContainText(`baseURL: "${baseURL}/v1"`);
  await expect(page.getByTestId("playground-sample")).toContainText(message);
  await page.getByTestId("playground-lang-python").click();
  await expect(page.getByTestId("playground-sample")).toContainText("stream=True");

  const client = new OpenAI({ apiKey: sdkKey, baseURL: `${baseURL}/v1`, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: "local/echo-chat",
    messages: [{ role: "user", content: message }],
    max_tokens: 64,
    stream: true,
    stream_options: { include_usage: true },
  });
  let sdkCost = -1;
  let sdkText = "";
  for await (const chunk of stream) {
    sdkText += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) sdkCost = (chunk.usage as unknown as { cost_micro_usd: number }).cost_micro_usd;
  }
  expect(sdkText).toBe(message);
  expect(sdkCost).toBe(pgCost);
  expect((await credits(baseURL!, sdkKey)).balance_micro_usd).toBe(pgBalance - sdkCost);
});

test("an image from the playground is shown and billed exactly like the same request through the SDK", async ({ page, user, keys, baseURL }) => {
  expect(user.email).toBeTruthy();
  await keys.open();
  const sdkKey = await keys.create("sdk");
  const before = await credits(baseURL!, sdkKey);

  await openPlaygroundWithKey(page);
  await page.getByTestId("playground-model").selectOption("local/image-sim");
  await page.getByTestId("playground-size").selectOption("256x256");
  await page.getByTestId("playground-prompt").fill("A lighthouse at dusk");
  await page.getByTestId("playground-send").click();
  const img = page.getByTestId("playground-image");
  await expect(img).toBeVisible();
  expect(await img.getAttribute("src")).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
  expect(await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight])).toEqual([256, 256]);
  await expect(page.getByTestId("playground-balance")).toBeVisible();
  const pgCost = await microOf(page, "playground-cost");
  const pgBalance = await microOf(page, "playground-balance");
  expect(pgCost).toBeGreaterThan(0);
  expect(pgBalance).toBe(before.balance_micro_usd - pgCost);
  await page.getByTestId("playground-lang-curl").click();
  await expect(page.getByTestId("playground-sample")).toContainText(`${baseURL}/v1/images/generations`);

  const client = new OpenAI({ apiKey: sdkKey, baseURL: `${baseURL}/v1`, maxRetries: 0 });
  const sdk = await client.images.generate({ model: "local/image-sim", prompt: "A lighthouse at dusk", n: 1, size: "256x256", response_format: "b64_json" });
  expect(`data:image/png;base64,${sdk.data![0].b64_json}`).toBe(await img.getAttribute("src")); // the same deterministic image
  const sdkCost = (sdk.usage as unknown as { cost_micro_usd: number }).cost_micro_usd;
  expect(sdkCost).toBe(pgCost);
  expect((await credits(baseURL!, sdkKey)).balance_micro_usd).toBe(pgBalance - sdkCost);
});

test("without a key nothing is sent; a revoked key is refused with the API's 401 and forgotten", async ({ page, user }) => {
  expect(user.email).toBeTruthy();
  await page.goto("/dashboard/playground");
  await expect(page.getByTestId("playground-send")).toBeDisabled();
  await page.getByTestId("playground-key-input").fill("sk-mt-not-a-real-key");
  await page.getByTestId("playground-use-key").click();
  await page.getByTestId("playground-send").click();
  await expect(page.getByTestId("playground-error")).toBeVisible();
  await expect(page.getByTestId("playground-key-error")).toContainText("refused");
  await expect(page.getByTestId("playground-send")).toBeDisabled();
});

test("the playground (with a result) and the endpoint reference pages fit a phone and pass axe", async ({ page, user }) => {
  test.setTimeout(240_000);
  expect(user.email).toBeTruthy();
  await page.setViewportSize(PHONE);
  await openPlaygroundWithKey(page);
  await page.getByTestId("playground-send").click();
  await expect(page.getByTestId("playground-balance")).toBeVisible();
  await expectNoHorizontalOverflow(page, "/dashboard/playground");
  await expectAccessible(page, "/dashboard/playground at 390 px");
  for (const p of ["/docs/api-reference", "/docs/api-reference/chat-completions", "/docs/api-reference/videos"]) {
    for (const viewport of [PHONE, DESKTOP]) {
      await page.setViewportSize(viewport);
      await page.goto(p);
      if (viewport === PHONE) await expectNoHorizontalOverflow(page, p);
      await expectAccessible(page, `${p} at ${viewport.width} px`);
    }
  }
});
