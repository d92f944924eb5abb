/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships a WASM build and data files that must be loaded from node_modules at run time.
  serverExternalPackages: ["@electric-sql/pglite", "postgres"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
