import type { NextAuthConfig } from "next-auth";

// The part of the Auth.js configuration that needs no database, shared by proxy.ts and
// the full configuration in ./index.ts.
export const authConfig = {
  pages: { signIn: "/login" },
  session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
  trustHost: true,
  providers: [],
  callbacks: {
    authorized({ auth }) {
      return !!auth?.user;
    },
    jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.accountId = (user as { accountId?: string }).accountId;
        // When this session was signed in: compared with the user's sessions-valid-after
        // instant to revoke it (lib/auth/sessions.ts). Not `iat`, which is renewed on refresh.
        token.authAt = Date.now();
      }
      return token;
    },
    session({ session, token }) {
      session.user.id = token.uid as string;
      (session.user as { accountId?: string }).accountId = token.accountId as string;
      return session;
    },
  },
} satisfies NextAuthConfig;
