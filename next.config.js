/** @type {import('next').NextConfig} */
const nextConfig = {
  // Lets a test run or a benchmark build into its own folder without touching .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // PGlite ships a WASM build and data files that must be loaded from node_modules at run time.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "music-metadata"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
