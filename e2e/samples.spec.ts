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
// and fails here. README.md's sample runs too, pointed at this app. The API reference's
// endpoint pages add a curl and a Node sample per example (their Python samples are compiled
// by lib/docs/samples.test.ts); they run in one scratch folder, in page order, so the
// transcription samples find the speech.mp3 the speech samples wrote.

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, "..");

type Sample = { page: string; runner: "shell" | "node"; code: string };

/** A scratch folder whose node_modules is the repo's, so `import OpenAI from "openai"` resolves. */
function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metered-sample-"));
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

async function runSample(s: Pick<Sample, "runner" | "code">, apiKey: string, dir: string): Promise<string> {
  const env = { ...process.env, METERED_API_KEY: apiKey };
  if (s.runner === "shell") {
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", s.code], { cwd: dir, env, timeout: 60_000 });
    // The API's answer is JSON, or server-sent events for a stream; an error answer (404 model,
    // 401, 402) is a failed sample.
    if (stdout.startsWith("data: ") || stdout.startsWith("event: ")) {
      const data = stdout.split("\n").filter((l) => l.startsWith("data: "));
      // Chat and completion streams end with [DONE], Responses streams with response.completed.
      const last = data.at(-1)!;
      expect(last === "data: [DONE]" || JSON.parse(last.slice(6)).type === "response.completed", `${s.code}\n→ ${stdout}`).toBe(true);
      for (const l of data.filter((d) => d !== "data: [DONE]")) expect(JSON.parse(l.slice(6)).error ?? null, `${s.code}\n→ ${l}`).toBeNull();
      return stdout;
    }
    const body = JSON.parse(stdout);
    // A Response object carries "error": null; an error answer carries an object.
    expect(body.error ?? null, `${s.code}\n→ ${stdout}`).toBeNull();
    return stdout;
  }
  fs.writeFileSync(path.join(dir, "sample.mjs"), s.code);
  // The SDK throws on any error status, so a failing call exits non-zero and rejects here.
  const { stdout } = await run(process.execPath, ["sample.mjs"], { cwd: dir, env, timeout: 90_000 });
  return stdout;
}

async function samplesOn(page: import("@playwright/test").Page, p: string): Promise<Sample[]> {
  await page.goto(p);
  const found = await page
    .locator("pre[data-sample]")
    .evaluateAll((els) => els.map((el) => ({ runner: el.getAttribute("data-sample") as Sample["runner"] | "python", code: el.textContent ?? "" })));
  expect(found.length, `${p} shows no runnable sample`).toBeGreaterThan(0);
  return found.filter((f): f is Omit<Sample, "page"> => f.runner !== "python").map((f) => ({ ...f, page: p }));
}

test("every code sample shown on the site and in the README runs against the app", async ({ page, user, keys, baseURL }) => {
  test.setTimeout(120_000);
  expect(user.email).toBeTruthy();
  await keys.open();
  const apiKey = await keys.create("samples");

  // Before any request: the dashboard and the usage page show their first-request samples.
  const pages = ["/", "/docs", "/docs/free-credit", "/dashboard", "/dashboard/usage"];
  const samples: Sample[] = [];
  for (const p of pages) samples.push(...(await samplesOn(page, p)));
  for (const s of samples) expect(s.code, `${s.page}: samples use this deployment's URL`).toContain(baseURL!);

  const readme = readmeSample("chat-node");
  expect(readme, "README.md lost its <!-- sample:chat-node --> block").not.toBeNull();
  // README is written for `npm start` on :3000; here it runs against this app.
  samples.push({ page: "README.md", runner: "node", code: readme!.replace("http://localhost:3000", baseURL!) });

  // The same sample on several pages runs once (the Free tier allows 10 requests a minute).
  const distinct = [...new Map(samples.map((s) => [`${s.runner}\n${s.code}`, s])).values()];
  expect(distinct.map((s) => s.runner).sort()).toEqual(expect.arrayContaining(["node", "shell"]));
  const dir = scratchDir();
  try {
    for (const s of distinct) {
      const out = await runSample(s, apiKey, dir);
      expect(out.length, `${s.page}: ${s.code}`).toBeGreaterThan(0);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // They were real, billed calls: the usage log now lists them.
  await page.goto("/dashboard/usage");
  await expect(page.getByTestId("usage-empty")).toHaveCount(0);
});

test("every curl and Node sample of the API reference's endpoint pages runs against the app", async ({ page, user, keys, baseURL }) => {
  test.setTimeout(600_000);
  expect(user.email).toBeTruthy();
  const dir = scratchDir();
  try {
    // The endpoint pages, as the reference's overview links them.
    await page.goto("/docs/api-reference");
    const hrefs = await page.locator('main a[href^="/docs/api-reference/"]').evaluateAll((els) => els.map((el) => el.getAttribute("href")!));
    const endpointPages = [...new Set(hrefs)];
    expect(endpointPages).toHaveLength(10);
    for (const ref of endpointPages) {
      const samples = await samplesOn(page, ref);
      expect(new Set(samples.map((s) => s.runner)), ref).toEqual(new Set(["shell", "node"]));
      for (const s of samples) expect(s.code, `${s.page}: samples use this deployment's URL`).toContain(baseURL!);
      // A key per page: the Free tier allows 10 requests a minute per key, and the video
      // sample polls its job.
      await keys.open();
      const apiKey = await keys.create(`samples ${ref.replace("/docs/api-reference/", "")}`);
      for (const s of samples) {
        const out = await runSample(s, apiKey, dir);
        expect(out.length, `${s.page}: ${s.code}`).toBeGreaterThan(0);
      }
    }
    // The speech samples wrote an MP3 (frame sync at byte 0), the video sample an MP4.
    const mp3 = fs.readFileSync(path.join(dir, "speech.mp3"));
    expect([mp3[0], mp3[1] & 0xe0]).toEqual([0xff, 0xe0]);
    expect(fs.readFileSync(path.join(dir, "video.mp4")).subarray(4, 8).toString("latin1")).toBe("ftyp");
    expect(fs.readFileSync(path.join(dir, "image.png")).subarray(1, 4).toString("latin1")).toBe("PNG");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
