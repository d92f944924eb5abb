// What an unverified account is told when it tries to create an API key or change billing:
// until its address is verified it can sign in only to see its verification state
// (issue 21; SECURITY.md). No server imports: lib/api-keys and components use it.
export const VERIFY_FIRST_MESSAGE =
  "Verify your email address first: follow the link we emailed you (or send a new one from your dashboard). Until then you cannot create API keys or change billing.";
