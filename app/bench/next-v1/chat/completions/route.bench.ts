// BENCHMARK ONLY (scripts/bench/gateway.ts, scripts/bench/streams.ts): the metered chat
// completions handler, app/v1/chat/completions, as a Next.js route. In production /v1 is
// served beside Next.js (app/v1/direct.ts); this route keeps the same handler on Next's
// own pipeline so the benchmark can show what serving it directly changed, in the same run.
// A route only in builds made with METERED_BENCH_ROUTES=1, like ../../passthrough.
export { POST } from "@/app/v1/chat/completions/route";

export const dynamic = "force-dynamic";
