import { expect, test } from "./fixtures";

// Issue 20, items 3 to 5 against the built app: POST /v1/quote, the credit headers on /v1
// answers and their docs, and the request log's billing column.

const post = (baseURL: string, secret: string, path: string, body: unknown) =>
  fetch(`${baseURL}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

test("a quote, then the request: the hold equals the quote, the headers tell the credit, the log tells the billing", async ({ page, user, keys, baseURL }) => {
  expect(user.email).toBeTruthy();
  await keys.open();
  const secret = await keys.create("quote");
  const body = { model: "local/echo-chat", messages: [{ role: "user", content: "how much?" }], max_tokens: 200 };

  const quoted = await post(baseURL!, secret, "/v1/quote", { path: "/v1/chat/completions", body });
  expect(quoted.status).toBe(200);
  const q = await quoted.json();
  expect(q).toMatchObject({ object: "quote", affordable: true, credit_remaining: 10 });
  expect(quoted.headers.get("x-credit-remaining")).toBe("10");
  expect(quoted.headers.get("x-credit-held")).toBeNull();

  const res = await post(baseURL!, secret, "/v1/chat/completions", body);
  expect(res.status).toBe(200);
  expect(Math.round(Number(res.headers.get("x-credit-held")) * 1e6)).toBe(q.worst_case_cost_micro_usd);
  expect(Number(res.headers.get("x-credit-remaining"))).toBeLessThan(10);
  const answer = await res.json();
  expect(answer.usage.cost_source).toBe("provider");

  await page.goto("/dashboard/usage#requests");
  const row = page.getByTestId("log-row").filter({ hasText: "local/echo-chat" }).first();
  await expect(row.getByTestId("log-billing")).toHaveAttribute("data-billing-state", "billed");
  await expect(row.getByTestId("log-billing")).toHaveAttribute("data-units-source", "provider");
  await row.getByTestId("log-detail-link").click();
  await expect(page.getByTestId("detail-billing")).toContainText("billed");
});

test("docs: the credit headers beside the rate-limit headers, the billing page's table, /v1/quote in the API reference", async ({ page }) => {
  await page.goto("/docs/rate-limits");
  const headers = page.getByTestId("header-table");
  await expect(headers).toContainText("x-ratelimit-remaining-requests");
  await expect(headers).toContainText("x-credit-remaining");
  await expect(headers).toContainText("x-credit-held");
  await page.goto("/docs/billing");
  await expect(page.getByTestId("credit-header-table")).toContainText("x-credit-remaining");
  await page.goto("/docs/api-reference");
  await expect(page.getByText("/v1/quote").first()).toBeVisible();
});
