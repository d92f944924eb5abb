import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// /metrics with several worker processes (node:cluster): a worker's answer is the sum over
// every worker, gathered by the primary (setupClusterMetrics()). Real processes: a primary
// and two workers (tests/helpers/cluster-metrics-worker.ts).

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("cluster metrics", () => {
  it("a worker's /metrics answer sums both workers' counters, gauges and histograms", { timeout: 60_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "tests/helpers/cluster-metrics-worker.ts"], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "test" },
      timeout: 50_000,
    });
    const out = JSON.parse(stdout.trim().split("\n").at(-1)!) as { text?: string; scope?: string; error?: string };
    expect(out.error).toBeUndefined();
    expect(out.scope).toBe("cluster");
    const text = out.text!;
    expect(text).toContain('metered_api_requests_total{route="/v1/chat/completions",model="local/echo-chat",status="200"} 3');
    expect(text).toContain('metered_spend_micro_usd_total{model="local/echo-chat"} 3000');
    expect(text).toContain("metered_open_streams 10");
    expect(text).toContain('metered_time_to_first_token_seconds_count{model="local/echo-chat"} 2');
    // Default process metrics of both workers are there too (summed).
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  });
});
