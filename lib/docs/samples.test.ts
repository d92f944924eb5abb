import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildCatalog, LOCAL_MODELS } from "@/lib/catalog";
import { endpointExamples } from "./endpoint-examples";
import { ENDPOINT_PAGE_DEFS, modelRefs } from "./pages/endpoints";
import { requestOf, samplesFor, type CodeSample } from "./samples";

// Every generated sample is at least valid code: Python samples are compiled with
// `python3 -m py_compile` (they are not run: no Python openai package here), Node samples
// checked with `node --check`, shell samples with `bash -n`. e2e/samples.spec.ts runs the
// curl and Node ones against the app.

const origin = "https://api.example.test";
const models = modelRefs(buildCatalog([...LOCAL_MODELS]).models);
const all: CodeSample[] = ENDPOINT_PAGE_DEFS.flatMap((d) => endpointExamples(d.id, models).flatMap((ex) => samplesFor(origin, ex.call, ex.id)));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metered-samples-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("generated request samples", () => {
  it("cover every endpoint page in curl, Node and Python", () => {
    expect(ENDPOINT_PAGE_DEFS.map((d) => d.id)).toEqual([
      "chat-completions",
      "completions",
      "responses",
      "embeddings",
      "images",
      "speech",
      "transcriptions",
      "videos",
      "models",
      "credits",
    ]);
    for (const d of ENDPOINT_PAGE_DEFS) {
      const runs = endpointExamples(d.id, models).flatMap((ex) => samplesFor(origin, ex.call, ex.id).map((s) => s.run));
      expect(runs, d.id).toEqual(expect.arrayContaining(["shell", "node", "python"]));
    }
    for (const s of all) expect(s.code, s.id).toContain(`${origin}/v1`);
  });

  it("Python samples compile (python3 -m py_compile)", () => {
    const py = all.filter((s) => s.run === "python");
    expect(py.length).toBeGreaterThanOrEqual(12);
    const files = py.map((s) => {
      const file = path.join(dir, `${s.id.replace(/\W/g, "_")}.py`);
      fs.writeFileSync(file, s.code);
      return { s, file };
    });
    // One interpreter for all of them (one per sample took over 30 s on a loaded machine);
    // only when that fails, one per sample to name the culprit.
    try {
      execFileSync("python3", ["-m", "py_compile", ...files.map((f) => f.file)], { stdio: "pipe" });
      return;
    } catch {}
    for (const { s, file } of files) {
      try {
        execFileSync("python3", ["-m", "py_compile", file], { stdio: "pipe" });
      } catch (err) {
        throw new Error(`${s.id} does not compile:\n${s.code}\n${(err as { stderr?: Buffer }).stderr?.toString()}`);
      }
    }
    throw new Error("python3 -m py_compile failed on the samples together but on none alone");
  });

  it("a broken Python sample is caught by the same check", () => {
    const file = path.join(dir, "broken.py");
    fs.writeFileSync(file, "client.chat.completions.create(\n    model=True,\n");
    expect(() => execFileSync("python3", ["-m", "py_compile", file], { stdio: "pipe" })).toThrow();
  });

  it("Node samples parse as ES modules and shell samples as bash", () => {
    for (const s of all.filter((x) => x.run === "node")) {
      const file = path.join(dir, `${s.id}.mjs`);
      fs.writeFileSync(file, s.code);
      execFileSync(process.execPath, ["--check", file], { stdio: "pipe" });
    }
    for (const s of all.filter((x) => x.run === "shell")) execFileSync("bash", ["-n", "-c", s.code], { stdio: "pipe" });
  });

  it("send what requestOf describes: streams ask for the usage chunk, images for base64", () => {
    const chat = endpointExamples("chat-completions", models).find((e) => e.id === "chat-stream")!;
    expect(requestOf(chat.call).body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const [curl, node, python] = samplesFor(origin, chat.call, "x");
    expect(curl.code).toContain('"stream_options":{"include_usage":true}');
    expect(node.code).toContain("stream_options: { include_usage: true }");
    expect(python.code).toContain('stream_options={"include_usage": True}');
    const image = endpointExamples("images", models)[0];
    expect(requestOf(image.call).body).toMatchObject({ response_format: "b64_json" });
  });
});
