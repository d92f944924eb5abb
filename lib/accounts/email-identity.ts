// The mailbox behind an address, so that aliases of one mailbox count as one person for
// the free credit (issue 13 item 4). Case never matters. Beyond that only providers that
// document the behaviour are folded; for any other domain "a+1@x" and "a@x" may be
// different mailboxes, so they stay different identities.

/** Providers that ignore dots in the local part and treat "+tag" as the same mailbox. */
const DOTS_AND_PLUS: Record<string, string> = {
  "gmail.com": "gmail.com",
  "googlemail.com": "gmail.com", // the same mailboxes under another name
};

/** Providers that deliver "name+tag@" to "name@" (subaddressing) but keep dots meaningful. */
const PLUS_ONLY = new Set([
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "fastmail.com",
  "fastmail.fm",
  "proton.me",
  "protonmail.com",
  "pm.me",
  "yandex.com",
  "yandex.ru",
]);

/** Domains whose documented subaddressing separator is "-" rather than "+". */
const DASH_ONLY = new Set(["yahoo.com", "ymail.com", "rocketmail.com"]);

export function splitAddress(email: string): { local: string; domain: string } {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf("@");
  if (at <= 0) return { local: e, domain: "" };
  return { local: e.slice(0, at), domain: e.slice(at + 1).replace(/\.$/, "") };
}

/** The normalised mailbox identity of an address, e.g. "J.Doe+x@GoogleMail.com" → "jdoe@gmail.com". */
export function emailIdentity(email: string): string {
  let { local, domain } = splitAddress(email);
  const canonical = DOTS_AND_PLUS[domain];
  if (canonical) {
    domain = canonical;
    local = local.split("+")[0].replaceAll(".", "");
  } else if (PLUS_ONLY.has(domain)) {
    local = local.split("+")[0];
  } else if (DASH_ONLY.has(domain)) {
    local = local.split("-")[0];
  }
  return `${local}@${domain}`;
}
