/** @type {import('next').NextConfig} */
const nextConfig = {
  // Lets a test run or a benchmark build into its own folder without touching .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // PGlite ships a WASM build and data files that must be loaded from node_modules at run time.
  // ioredis (the limiter's REDIS_URL client) is loaded from node_modules as well: one copy per
  // process, as published, rather than a bundled one per route.
  // prom-client, pino and OpenTelemetry likewise: one registry, one logger, one SDK per
  // process, whichever route bundle asks (prom-client's cluster IPC listens once per copy).
  serverExternalPackages: [
    "@electric-sql/pglite",
    "postgres",
    "music-metadata",
    "ioredis",
    "prom-client",
    "pino",
    "@opentelemetry/api",
    "@opentelemetry/sdk-node",
    "@opentelemetry/exporter-trace-otlp-http",
    "h264-mp4-encoder",
  ],
  poweredByHeader: false,
  // The benchmark's bare pass-through routes (app/bench/**/route.bench.ts) are routes only in
  // a build made with METERED_BENCH_ROUTES=1 (scripts/bench builds that way); any other
  // build, production included, does not contain them at all.
  pageExtensions: process.env.METERED_BENCH_ROUTES === "1" ? ["bench.ts", "tsx", "ts", "jsx", "js"] : ["tsx", "ts", "jsx", "js"],
  // Pages, route handlers and redirects get their security headers from proxy.ts
  // (lib/security/headers.ts); the static assets it skips get these.
  async headers() {
    return [
      {
        source: "/_next/static/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
    ];
  },
  reactStrictMode: true,
  // forbidden() and app/forbidden.tsx: /admin answers a styled 403 to signed-in non-admins.
  experimental: { authInterrupts: true },
  // `npm run typecheck` (tsc) is the type gate in CI; skipping here only speeds up local builds.
  typescript: { ignoreBuildErrors: process.env.NEXT_SKIP_TYPECHECK === "1" },
};

export default nextConfig;
