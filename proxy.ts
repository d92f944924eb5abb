import NextAuth from "next-auth";
import { authConfig } from "@/lib/auth/config";
import { authSecret } from "@/lib/auth/secret";

// Signed-out visitors to the dashboard are sent to /login before any page code runs.
// Pages check the session again themselves (lib/auth/session.ts): this is the first gate,
// not the only one.
const { auth } = NextAuth(() => ({ ...authConfig, secret: authSecret() }));

export default auth;

export const config = { matcher: ["/dashboard/:path*", "/admin/:path*"] };
