import { describe, expect, it } from "vitest";
import { buildCatalog, LOCAL_MODELS } from "@/lib/catalog";
import { chatNodeSample, creditsCurlSample, quickStartSamples, sampleChatModel } from "@/lib/docs/examples";
import { buildDocPage, DOC_PAGES } from "@/lib/docs";
import { readmeSample } from "@/tests/helpers/readme";

// The samples are generated; these checks keep the copies that cannot be generated (README)
// equal to the generator, and every generated sample naming only models the catalog serves.
// e2e/samples.spec.ts runs them against the app.

const catalog = buildCatalog([...LOCAL_MODELS]);
/** The origin README.md's sample is written for: what `npm start` serves. */
const README_ORIGIN = "http://localhost:3000";

describe("code samples", () => {
  it("README's Node sample is the generated one for `npm start` (regenerate it if this fails)", () => {
    const expected = chatNodeSample(README_ORIGIN, sampleChatModel(catalog.models)).code;
    expect(readmeSample("chat-node")).toBe(expected);
  });

  it("name only models the catalog serves, and this deployment's URL", () => {
    const origin = "https://api.example.test";
    for (const s of [...quickStartSamples(origin, catalog.models), creditsCurlSample(origin)]) {
      for (const m of s.code.matchAll(/"model": ?"([^"]+)"|model: "([^"]+)"/g)) {
        expect(catalog.get(m[1] ?? m[2]), `${s.id} names ${m[1] ?? m[2]}`).toBeDefined();
      }
      expect(s.code).toContain(origin);
    }
  });

  it("every runnable block in the docs pages uses this deployment's URL", async () => {
    const origin = "https://api.example.test";
    const runnable = [];
    for (const d of DOC_PAGES) {
      const page = await buildDocPage(d.slug, { origin });
      for (const b of page!.blocks) if (b.kind === "code" && b.run) runnable.push(b);
    }
    expect(runnable.length).toBeGreaterThan(0);
    for (const b of runnable) expect(b.text).toContain(origin);
  });
});
