import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { readmeSample } from "../tests/helpers/readme";
import { expect, test } from "./fixtures";

// Issue 14 point 1: every code sample the product shows runs. The samples are read from the
// pages as a user sees them (every block marked data-sample), then executed against this
// app with a fresh key: shell samples with bash (curl), Node samples as ES modules with the
// official `openai` package. A sample naming a model the catalog does not serve gets a 404
// and fails here. README.md's sample runs too, pointed at this app.

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, "..");

type Sample = { page: string; runner: "shell" | "node"; code: string };

async function runSample(s: Pick<Sample, "runner" | "code">, apiKey: string): Promise<string> {
  const env = { ...process.env, METERED_API_KEY: apiKey };
  if (s.runner === "shell") {
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", s.code], { env, timeout: 30_000 });
    // The API's answer is JSON; an error answer (404 model, 401, 402) is a failed sample.
    const body = JSON.parse(stdout);
    expect(body.error, `${s.code}\n→ ${stdout}`).toBeUndefined();
    return stdout;
  }
  // A scratch folder whose node_modules is the repo's, so `import OpenAI from "openai"` resolves.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metered-sample-"));
  try {
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "sample.mjs"), s.code);
    // The SDK throws on any error status, so a failing call exits non-zero and rejects here.
    const { stdout } = await run(process.execPath, ["sample.mjs"], { cwd: dir, env, timeout: 30_000 });
    return stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("every code sample shown on the site and in the README runs against the app", async ({ page, user, keys, baseURL }) => {
  test.setTimeout(120_000);
  expect(user.email).toBeTruthy();
  await keys.open();
  const apiKey = await keys.create("samples");

  // Before any request: the dashboard and the usage page show their first-request samples.
  const pages = ["/", "/docs", "/docs/free-credit", "/dashboard", "/dashboard/usage"];
  const samples: Sample[] = [];
  for (const p of pages) {
    await page.goto(p);
    const found = await page
      .locator("pre[data-sample]")
      .evaluateAll((els) => els.map((el) => ({ runner: el.getAttribute("data-sample") as "shell" | "node", code: el.textContent ?? "" })));
    expect(found.length, `${p} shows no runnable sample`).toBeGreaterThan(0);
    samples.push(...found.map((f) => ({ ...f, page: p })));
  }
  for (const s of samples) expect(s.code, `${s.page}: samples use this deployment's URL`).toContain(baseURL!);

  const readme = readmeSample("chat-node");
  expect(readme, "README.md lost its <!-- sample:chat-node --> block").not.toBeNull();
  // README is written for `npm start` on :3000; here it runs against this app.
  samples.push({ page: "README.md", runner: "node", code: readme!.replace("http://localhost:3000", baseURL!) });

  // The same sample on several pages runs once (the Free tier allows 10 requests a minute).
  const distinct = [...new Map(samples.map((s) => [`${s.runner}\n${s.code}`, s])).values()];
  expect(distinct.map((s) => s.runner).sort()).toEqual(expect.arrayContaining(["node", "shell"]));
  for (const s of distinct) {
    const out = await runSample(s, apiKey);
    expect(out.length, `${s.page}: ${s.code}`).toBeGreaterThan(0);
  }

  // They were real, billed calls: the usage log now lists them.
  await page.goto("/dashboard/usage");
  await expect(page.getByTestId("usage-empty")).toHaveCount(0);
});
