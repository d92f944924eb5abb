import "server-only";
import { cookies } from "next/headers";
import { ORG_COOKIE } from "@/lib/auth/session";
import { env } from "@/lib/env";

/**
 * Makes `accountId` the organization the dashboard shows (lib/auth/session.ts reads it and
 * checks membership on every request; callers check it before setting). httpOnly, lax, and
 * secure when the app is served over https.
 */
export async function setOrgCookie(accountId: string): Promise<void> {
  const appUrl = env().APP_URL ?? process.env.AUTH_URL ?? "";
  (await cookies()).set(ORG_COOKIE, accountId, {
    httpOnly: true,
    sameSite: "lax",
    secure: appUrl.startsWith("https:"),
    path: "/",
    maxAge: 60 * 60 * 24 * 365,
  });
}

export async function clearOrgCookie(): Promise<void> {
  (await cookies()).delete(ORG_COOKIE);
}
