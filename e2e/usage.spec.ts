import fs from "node:fs";
import OpenAI from "openai";
import type { Page } from "@playwright/test";
import { expect, test, uniqueEmail } from "./fixtures";

// Usage analytics end to end: requests made through the real API with new keys show up
// in the usage page's totals, chart, log, key filter and CSV export, to the micro-dollar;
// another account sees none of it, by URL or by query parameter.

type Call = { requestId: string; costMicroUsd: bigint; keyId: string };

async function keyIdOf(page: Page, name: string): Promise<string> {
  const id = await page.getByTestId("key-row").filter({ hasText: name }).getAttribute("data-key-id");
  expect(id).toMatch(/^key_/);
  return id!;
}

/** Calls the API from the test process, as a customer's code would, through the official SDK. */
async function callApi(baseURL: string, secret: string, keyId: string, n: number, tag: string): Promise<Call[]> {
  const client = new OpenAI({ apiKey: secret, baseURL: `${baseURL}/v1`, maxRetries: 0 });
  const calls: Call[] = [];
  for (let i = 0; i < n; i++) {
    const { data, response } = await client.chat.completions
      .create({ model: "local/echo-chat", messages: [{ role: "user", content: `${tag} request number ${i}: ${"word ".repeat(i + 1)}` }], max_tokens: 64 })
      .withResponse();
    const usage = data.usage as unknown as { cost_micro_usd: number };
    calls.push({ requestId: response.headers.get("x-request-id")!, costMicroUsd: BigInt(usage.cost_micro_usd), keyId });
  }
  return calls;
}

function parseCsv(text: string) {
  const lines = text.split("\r\n").filter(Boolean);
  const header = lines[0].split(",");
  return { header, rows: lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v]))) };
}

const sum = (calls: Call[]) => calls.reduce((s, c) => s + c.costMicroUsd, 0n);

test("requests made with new keys are counted in the usage charts, log, key filter and CSV, exactly; another account sees none of it", async ({
  page,
  auth,
  keys,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await auth.signUpOk(uniqueEmail("usage"));

  // A brand-new account sees how to make its first request, not empty charts.
  await page.goto("/dashboard");
  await expect(page.getByTestId("overview-get-started").getByTestId("quick-start")).toContainText("/v1");
  await page.goto("/dashboard/usage");
  await expect(page.getByTestId("usage-empty").getByTestId("quick-start")).toContainText("chat/completions");

  // Two keys, 4 + 3 requests: under the Free tier's 10 requests per minute per key.
  await keys.open();
  const secret1 = await keys.create("usage key one");
  await page.reload();
  const secret2 = await keys.create("usage key two");
  const key1 = await keyIdOf(page, "usage key one");
  const key2 = await keyIdOf(page, "usage key two");
  const calls1 = await callApi(baseURL!, secret1, key1, 4, "one");
  const calls2 = await callApi(baseURL!, secret2, key2, 3, "two");
  const all = [...calls1, ...calls2];
  expect(new Set(all.map((c) => c.requestId)).size).toBe(7);

  // The usage page: totals, chart, log.
  // Requests held in a credit lease are settled a few milliseconds after their answers
  // (lib/ledger/settle-queue.ts LINGER_MS), so the page may need a reload to show the last.
  await expect(async () => {
    await page.goto("/dashboard/usage?range=7d");
    await expect(page.getByTestId("total-requests")).toHaveText("7", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId("utc-note")).toContainText("UTC");
  await expect(page.getByTestId("total-spend")).toHaveAttribute("data-micro-usd", String(sum(all)));
  await expect(page.getByTestId("breakdown-total")).toHaveText(await page.getByTestId("total-spend").innerText());
  await expect(page.getByTestId("chart-spend").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("chart-requests").locator(".recharts-bar-rectangle").first()).toBeVisible();
  const rows = page.getByTestId("log-row");
  await expect(rows).toHaveCount(7);
  // Newest first: the last call made is the first row.
  await expect(rows.first()).toHaveAttribute("data-request-id", calls2[2].requestId);
  for (const c of all) {
    await expect(page.locator(`[data-testid=log-row][data-request-id="${c.requestId}"]`)).toHaveAttribute("data-cost-micro-usd", String(c.costMicroUsd));
  }

  // Filter by key: the URL carries it, the totals and the log follow.
  await page.getByTestId("filter-key").selectOption(key1);
  await expect(page).toHaveURL(new RegExp(`key=${key1}`));
  await expect(page.getByTestId("total-requests")).toHaveText("4");
  await expect(page.getByTestId("total-spend")).toHaveAttribute("data-micro-usd", String(sum(calls1)));
  await expect(rows).toHaveCount(4);
  for (const id of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-key-id")))) expect(id).toBe(key1);
  await expect(page.getByTestId("log-key").first()).toHaveText("usage key one");

  // Download the CSV of the filtered view: 4 rows, exact costs as the API reported them.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  expect(download.suggestedFilename()).toMatch(/^usage-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const filtered = parseCsv(fs.readFileSync((await download.path())!, "utf8"));
  expect(filtered.header.slice(0, 2)).toEqual(["request_id", "created_at_utc"]);
  expect(filtered.rows).toHaveLength(4);
  for (const c of calls1) {
    const row = filtered.rows.find((r) => r.request_id === c.requestId)!;
    expect(row).toMatchObject({ key_id: key1, key_name: "usage key one", model: "local/echo-chat", status: "ok" });
    expect(BigInt(row.cost_micro_usd)).toBe(c.costMicroUsd);
    expect(row.cost_usd).toBe(usdString(c.costMicroUsd));
  }
  // And unfiltered: all 7.
  const full = parseCsv(await (await page.request.get("/dashboard/usage/export?range=7d")).text());
  expect(full.rows.map((r) => [r.request_id, r.cost_micro_usd]).sort()).toEqual(all.map((c) => [c.requestId, String(c.costMicroUsd)]).sort());

  // The detail view: the usage event and its ledger entry.
  await page.goto(`/dashboard/usage/requests/${calls1[0].requestId}`);
  await expect(page.getByTestId("detail-request-id")).toHaveText(calls1[0].requestId);
  await expect(page.getByTestId("ledger-amount")).toHaveAttribute("data-micro-usd", String(-calls1[0].costMicroUsd));

  // The overview: today's spend and the 7-day chart.
  await page.goto("/dashboard");
  await expect(page.getByTestId("spend-today")).toHaveAttribute("data-micro-usd", String(sum(all)));
  await expect(page.getByTestId("overview-chart").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("low-balance-banner")).toHaveCount(0);

  // IDOR: a second account, by URL and by query parameter.
  await auth.signOut();
  await auth.signUpOk(uniqueEmail("usage-other"));
  for (const url of [`/dashboard/usage?range=90d&key=${key1}`, `/dashboard/usage?key=${key2}&model=local/echo-chat`]) {
    await page.goto(url);
    await expect(page.getByTestId("usage-empty")).toBeVisible();
    const html = await page.content();
    for (const c of all) expect(html).not.toContain(c.requestId);
    expect(html).not.toContain("usage key one");
  }
  const res = await page.goto(`/dashboard/usage/requests/${calls1[0].requestId}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId("request-not-found")).toBeVisible();
  expect(await page.content()).not.toContain(String(calls1[0].costMicroUsd) + " micro-USD");
  const foreign = await page.request.get(`/dashboard/usage/export?range=90d&key=${key1}`);
  expect(foreign.status()).toBe(200);
  expect(parseCsv(await foreign.text()).rows).toEqual([]);
  const own = await page.request.get(`/dashboard/usage/export?range=90d`);
  expect(parseCsv(await own.text()).rows).toEqual([]);
});

test("signed out, the export gives nothing away", async ({ playwright, baseURL }) => {
  const anon = await playwright.request.newContext({ baseURL });
  const res = await anon.get("/dashboard/usage/export?range=90d", { maxRedirects: 0 });
  // The proxy sends signed-out visitors of /dashboard/* to /login before the route runs;
  // the route itself answers 401 if reached without a session.
  expect([401, 302, 303, 307]).toContain(res.status());
  if (res.status() !== 401) expect(res.headers()["location"]).toMatch(/\/login/);
  expect(await res.text()).not.toContain("request_id");
  await anon.dispose();
});

function usdString(micro: bigint) {
  const frac = (micro % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${micro / 1_000_000n}${frac ? "." + frac : ""}`;
}
