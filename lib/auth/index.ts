import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db/client";
import { authConfig } from "./config";
import { userForCredentials } from "./credentials";
import { checkSignInIp } from "./ip-limits";
import { authSecret } from "./secret";
import { clientIp } from "./client-ip";
import { sessionIsCurrent, sessionState } from "./sessions";
import { checkSignInThrottle, clearSignInFailures, recordSignInFailure } from "./throttle";

export class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}
/** The code carries the wait, "too_many_attempts:<seconds>", for the form's message. */
export class ThrottledSignIn extends CredentialsSignin {
  constructor(retryAfterSeconds: number) {
    super();
    this.code = `too_many_attempts:${retryAfterSeconds}`;
  }
}
export class IpRateLimitedSignIn extends CredentialsSignin {
  code = "ip_rate_limited";
}
/** A sign-in limit's store (Redis for the IP limit, the database for failures) cannot answer: fail closed. */
export class SignInLimitsUnavailable extends CredentialsSignin {
  code = "limits_unavailable";
}
const limitsUnavailable = (): never => {
  throw new SignInLimitsUnavailable();
};

const credentialsSchema = z.object({ email: z.string().trim().min(3).max(254), password: z.string().min(1).max(200) });

export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  ...authConfig,
  secret: authSecret(),
  callbacks: {
    ...authConfig.callbacks,
    // Runs wherever a session is used (auth() in pages, actions, route handlers, and
    // /api/auth/session): a revoked session (password change or reset, "sign out
    // everywhere", an admin, a deleted account) comes back as no session, and Auth.js
    // clears its cookie where it can.
    async jwt(params) {
      const token = authConfig.callbacks.jwt(params);
      if (params.user || !token.uid) return token;
      const state = await sessionState(await getDb(), token.uid as string);
      return sessionIsCurrent(state, token.authAt as number | undefined) ? token : null;
    },
  },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) throw new InvalidCredentials();
        const { email, password } = parsed.data;
        const ip = clientIp(request.headers);
        // Every attempt counts against the IP's per-minute limit, before any scrypt or query.
        const ipVerdict = await checkSignInIp(ip);
        if (!ipVerdict.allowed) throw ipVerdict.reason === "unavailable" ? new SignInLimitsUnavailable() : new IpRateLimitedSignIn();
        const db = await getDb();
        const verdict = await checkSignInThrottle(db, email, ip).catch(limitsUnavailable);
        if (!verdict.allowed) throw new ThrottledSignIn(verdict.retryAfterSeconds);

        const found = await userForCredentials(db, email, password);
        if (!found) {
          await recordSignInFailure(db, email, ip);
          throw new InvalidCredentials();
        }
        await clearSignInFailures(db, email);
        return { id: found.user.id, email: found.user.email, name: found.user.name, accountId: found.accountId };
      },
    }),
  ],
}));
