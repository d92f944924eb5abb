import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { env } from "@/lib/env";

// Sessions are signed JWTs, so every instance must share AUTH_SECRET. On the embedded
// defaults (one process, local data folder) a secret is generated once and kept in
// .data/auth-secret so sessions survive restarts.
export function authSecret(): string {
  const configured = env().AUTH_SECRET;
  if (configured) return configured;
  if (env().DATABASE_URL && env().NODE_ENV === "production") {
    throw new Error(
      "Invalid configuration:\n  AUTH_SECRET: required when DATABASE_URL is set in production (every instance must share it; generate one with `openssl rand -base64 48`)",
    );
  }
  const file = path.join(/*turbopackIgnore: true*/ process.cwd(), ".data", "auth-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const secret = randomBytes(48).toString("base64");
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      return fs.readFileSync(file, "utf8").trim(); // another process wrote it first
    }
  }
}
