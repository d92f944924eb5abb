import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { estimatePromptTokens, PER_MESSAGE_BOUND, promptTokenBound, REPLY_PRIMING_BOUND, TOOLS_PREAMBLE_BOUND } from "./prompt-bound";

// The hold's input bound: never below what a byte-level tokenizer can make of the body
// (ours, o200k_base, as a stand-in for any), and media payloads are not counted as text.

describe("prompt bound", () => {
  it("property: the bound is at least our tokenizer's count of every prompt field", () => {
    const text = fc.string({ unit: "binary", maxLength: 200 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ role: fc.constantFrom("system", "user", "assistant", "function"), content: text }), { minLength: 1, maxLength: 5 }),
        fc.option(text),
        fc.option(text),
        (messages, fnDescription, prediction) => {
          const body: Record<string, unknown> = { model: "m", messages };
          if (fnDescription !== null) body.functions = [{ name: "f", description: fnDescription }];
          if (prediction !== null) body.prediction = { type: "content", content: prediction };
          expect(promptTokenBound(body, 0)).toBeGreaterThanOrEqual(estimatePromptTokens("chat", body));
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it("counts the body's bytes, framing per message, the tool preamble, and media by their given maximum, not their data", () => {
    const body = { model: "m", messages: [{ role: "user", content: "héllo" }] };
    const bytes = Buffer.byteLength(JSON.stringify(body));
    expect(promptTokenBound(body, 0)).toBe(bytes + PER_MESSAGE_BOUND + REPLY_PRIMING_BOUND);
    expect(promptTokenBound({ ...body, tools: [] }, 0)).toBe(bytes + 11 + PER_MESSAGE_BOUND + REPLY_PRIMING_BOUND + TOOLS_PREAMBLE_BOUND);
    const image = {
      model: "m",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${"A".repeat(100_000)}` } }] }],
    };
    expect(promptTokenBound(image, 1445)).toBeLessThan(200 + 1445);
    const suffix = estimatePromptTokens("completion", { prompt: "def f(", suffix: "return 1" });
    expect(suffix).toBeGreaterThan(estimatePromptTokens("completion", { prompt: "def f(" }));
  });
});
