import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db/client";
import { findUserByEmail } from "@/lib/accounts";
import { authConfig } from "./config";
import { verifyPassword } from "./password";
import { checkSignInIp } from "./ip-limits";
import { authSecret } from "./secret";
import { checkSignInThrottle, clearSignInFailures, clientIp, recordSignInFailure } from "./throttle";

export class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}
export class ThrottledSignIn extends CredentialsSignin {
  code = "too_many_attempts";
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
        if (!verdict.allowed) throw new ThrottledSignIn();

        const found = await findUserByEmail(db, email);
        // Verify against a dummy hash when the user is unknown so timing does not reveal
        // which emails have accounts.
        const ok = await verifyPassword(password, found?.user.passwordHash ?? DUMMY_HASH);
        if (!found || !ok) {
          await recordSignInFailure(db, email, ip);
          throw new InvalidCredentials();
        }
        await clearSignInFailures(db, email);
        return { id: found.user.id, email: found.user.email, name: found.user.name, accountId: found.accountId };
      },
    }),
  ],
}));

// scrypt hash of a random string nobody knows; same cost parameters as real hashes.
const DUMMY_HASH =
  "scrypt$32768$8$1$3q2+7wAAAAAAAAAAAAAAAA==$Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg=";
