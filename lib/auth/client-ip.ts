import ipaddr from "ipaddr.js";
import { env } from "@/lib/env";

// Who is the client? Only the TCP peer is a fact; X-Forwarded-For is whatever the client
// (or each proxy on the way) wrote. So forwarded headers are believed only through proxies
// the operator configured (TRUST_PROXY_HOPS or TRUSTED_PROXIES); without either, the socket
// address is the client. X-Real-IP is never read.
//
// The socket address: Next.js route handlers and server actions see only headers, and
// `next start` copies the socket address into X-Forwarded-For only when the client sent
// none. instrumentation-node.ts therefore installs a hook (./peer-address.ts) that stamps
// every incoming request with PEER_HEADER = the socket's remote address, overwriting any
// value a client sent. Where that hook does not run (`next dev`, another server), the
// client is unknown (null) unless a proxy configuration says otherwise.

export const PEER_HEADER = "x-metered-peer";

export type ProxyTrust = { hops: number } | { proxies: [ipaddr.IPv4 | ipaddr.IPv6, number][] } | null;

export function proxyTrust(e: { TRUST_PROXY_HOPS?: number; TRUSTED_PROXIES?: string } = env()): ProxyTrust {
  if (e.TRUST_PROXY_HOPS !== undefined) return { hops: e.TRUST_PROXY_HOPS };
  if (e.TRUSTED_PROXIES) {
    return {
      proxies: e.TRUSTED_PROXIES.split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => (s.includes("/") ? ipaddr.parseCIDR(s) : fullCidr(ipaddr.parse(s)))),
    };
  }
  return null;
}

function fullCidr(a: ipaddr.IPv4 | ipaddr.IPv6): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return [a, a.kind() === "ipv4" ? 32 : 128];
}

/** Parses an address, unwrapping IPv4-mapped IPv6 (::ffff:1.2.3.4) and brackets/ports; null if not an IP. */
function parseIp(raw: string | null | undefined): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!raw) return null;
  let s = raw.trim();
  const bracketed = s.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) s = bracketed[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  s = s.replace(/%.*$/, ""); // zone id
  if (!ipaddr.isValid(s)) return null;
  try {
    return ipaddr.process(s);
  } catch {
    return null;
  }
}

function trusted(addr: ipaddr.IPv4 | ipaddr.IPv6, proxies: [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  return proxies.some(([range, bits]) => addr.kind() === range.kind() && addr.match([range, bits] as never));
}

/** The client's full address, or null when it cannot be known. */
export function clientAddress(headers: Headers, trust: ProxyTrust = proxyTrust()): string | null {
  const peer = parseIp(headers.get(PEER_HEADER));
  if (!peer) return null;
  if (!trust) return peer.toString();
  // Each proxy appends the address it received from, so read from the right.
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  let current = peer;
  if ("hops" in trust) {
    for (let i = 0; i < trust.hops && forwarded.length; i++) {
      const next = parseIp(forwarded.pop());
      if (!next) break; // a trusted proxy never writes garbage: stop at the last real hop
      current = next;
    }
    return current.toString();
  }
  while (trusted(current, trust.proxies) && forwarded.length) {
    const next = parseIp(forwarded.pop());
    if (!next) break;
    current = next;
  }
  return current.toString();
}

/**
 * The client as a rate-limit subject: the IPv4 address, or the IPv6 /64 (one customer
 * network gets a whole /64, so per-address limits on IPv6 would be no limit at all).
 * null when the client cannot be known. This is the function every per-IP limit uses.
 */
export function clientIp(headers: Headers, trust: ProxyTrust = proxyTrust()): string | null {
  const address = clientAddress(headers, trust);
  if (!address) return null;
  const ip = ipaddr.parse(address);
  if (ip.kind() === "ipv4") return address;
  const prefix = ipaddr.IPv6.networkAddressFromCIDR(`${address}/64`);
  return `${prefix.toString()}/64`;
}
