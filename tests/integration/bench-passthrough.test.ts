import { afterEach, describe, expect, it } from "vitest";
import { POST as viaFetch } from "@/app/bench/passthrough/chat/completions/route.bench";
import { POST as viaNodeHttp } from "@/app/bench/passthrough-node/chat/completions/route.bench";

// The benchmark's bare pass-through must never be an open, unmetered upstream proxy:
// without BENCH_PASSTHROUGH=1 it is a 404 whatever else is configured.
describe.each([
  ["fetch", viaFetch],
  ["node:http", viaNodeHttp],
])("bench pass-through route (%s)", (_name, POST) => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const call = () => POST(new Request("http://app.test/bench/passthrough/chat/completions", { method: "POST", body: "{}" }));

  it("answers 404 without BENCH_PASSTHROUGH=1, even with an upstream configured", async () => {
    delete process.env.BENCH_PASSTHROUGH;
    process.env.UPSTREAM_BASE_URL = "http://127.0.0.1:9/v1";
    expect((await call()).status).toBe(404);
    process.env.BENCH_PASSTHROUGH = "true";
    expect((await call()).status).toBe(404);
  });

  it("answers 404 with BENCH_PASSTHROUGH=1 but no upstream", async () => {
    process.env.BENCH_PASSTHROUGH = "1";
    delete process.env.UPSTREAM_BASE_URL;
    expect((await call()).status).toBe(404);
  });
});
