import { env } from "@/lib/env";

/**
 * The origin put in emailed links: APP_URL, else AUTH_URL, else the origin of the request
 * being served. Emailed links must not come from a Host header an attacker chose (password
 * reset poisoning): production deployments set APP_URL.
 */
export function emailOrigin(headers?: Headers | null): string {
  const configured = env().APP_URL ?? process.env.AUTH_URL;
  if (configured) return configured.replace(/\/+$/, "");
  const host = headers?.get("host");
  if (host) return `${headers?.get("x-forwarded-proto")?.split(",")[0].trim() === "https" ? "https" : "http"}://${host}`;
  return `http://localhost:${process.env.PORT ?? 3000}`;
}

export function absoluteUrl(origin: string, pathAndQuery: string): string {
  return new URL(pathAndQuery, origin + "/").toString();
}
