import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { clientAddress, clientIp, PEER_HEADER, proxyTrust } from "./client-ip";

// Headers as they reach a route handler: PEER_HEADER is the socket address (stamped by
// ./peer-address.ts, unforgeable), everything else is what the client and proxies wrote.
function h(peer: string | null, extra: Record<string, string> = {}): Headers {
  const headers = new Headers(extra);
  if (peer !== null) headers.set(PEER_HEADER, peer);
  return headers;
}
const none = proxyTrust(parseEnv({}));
const oneHop = proxyTrust(parseEnv({ TRUST_PROXY_HOPS: "1" }));
const twoHops = proxyTrust(parseEnv({ TRUST_PROXY_HOPS: "2" }));
const lb = proxyTrust(parseEnv({ TRUSTED_PROXIES: "10.0.0.0/8, fd00::/8, 192.0.2.10" }));

describe("client IP without a proxy configuration", () => {
  it("is the socket address; forwarded headers of any shape are ignored", () => {
    expect(clientIp(h("203.0.113.9"), none)).toBe("203.0.113.9");
    expect(clientIp(h("203.0.113.9", { "x-forwarded-for": "1.2.3.4" }), none)).toBe("203.0.113.9");
    expect(clientIp(h("203.0.113.9", { "x-forwarded-for": "1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4" }), none)).toBe("203.0.113.9");
    expect(clientIp(h("203.0.113.9", { "x-real-ip": "5.6.7.8" }), none)).toBe("203.0.113.9");
  });

  it("unwraps IPv4-mapped IPv6 socket addresses", () => {
    expect(clientIp(h("::ffff:198.51.100.4"), none)).toBe("198.51.100.4");
  });

  it("is unknown (null) without the socket stamp: a client-written XFF alone proves nothing", () => {
    expect(clientIp(h(null, { "x-forwarded-for": "9.9.9.9", "x-real-ip": "9.9.9.9" }), none)).toBeNull();
    expect(clientIp(h("not-an-ip"), none)).toBeNull();
  });
});

describe("client IP through configured proxies", () => {
  it("with TRUST_PROXY_HOPS=1 takes the address the one proxy appended, whatever the client prepended", () => {
    const forged = { "x-forwarded-for": "6.6.6.6, 7.7.7.7, 203.0.113.50" };
    expect(clientIp(h("10.1.2.3", forged), oneHop)).toBe("203.0.113.50");
    expect(clientIp(h("10.1.2.3", { "x-forwarded-for": "203.0.113.50" }), oneHop)).toBe("203.0.113.50");
    // Two proxies: the client-written entries still never count.
    expect(clientIp(h("10.1.2.3", { "x-forwarded-for": "6.6.6.6, 203.0.113.50, 10.9.9.9" }), twoHops)).toBe("203.0.113.50");
  });

  it("with fewer entries than hops stops at the leftmost address, and at garbage", () => {
    expect(clientIp(h("10.1.2.3"), twoHops)).toBe("10.1.2.3");
    expect(clientIp(h("10.1.2.3", { "x-forwarded-for": "203.0.113.50" }), twoHops)).toBe("203.0.113.50");
    expect(clientIp(h("10.1.2.3", { "x-forwarded-for": "<script>" }), oneHop)).toBe("10.1.2.3");
  });

  it("with TRUSTED_PROXIES walks right to left through trusted addresses only", () => {
    expect(clientIp(h("10.0.0.5", { "x-forwarded-for": "6.6.6.6, 203.0.113.77, 10.0.0.6" }), lb)).toBe("203.0.113.77");
    // A direct client (not a trusted proxy) cannot forward anything.
    expect(clientIp(h("203.0.113.1", { "x-forwarded-for": "10.0.0.1" }), lb)).toBe("203.0.113.1");
    expect(clientIp(h("192.0.2.10", { "x-forwarded-for": "[2001:db8::1]:443" }), lb)).toBe("2001:db8::/64");
    expect(clientIp(h("fd00::1", { "x-forwarded-for": "198.51.100.2" }), lb)).toBe("198.51.100.2");
  });
});

describe("IPv6 is limited per /64", () => {
  it("groups every address of one /64 and separates neighbouring /64s", () => {
    const a = clientIp(h("2001:db8:1:2::1"), none);
    expect(a).toBe("2001:db8:1:2::/64");
    expect(clientIp(h("2001:db8:1:2:ffff:ffff:ffff:ffff"), none)).toBe(a);
    expect(clientIp(h("2001:0db8:0001:0002:0000:0000:0000:0abc"), none)).toBe(a);
    expect(clientIp(h("2001:db8:1:3::1"), none)).not.toBe(a);
    expect(clientIp(h("fe80::1%eth0"), none)).toBe("fe80::/64");
    // The full address is still available for logs.
    expect(clientAddress(h("2001:db8:1:2::1"), none)).toBe("2001:db8:1:2::1");
  });
});

describe("configuration", () => {
  it("refuses both settings at once and a bad CIDR, naming the variable", () => {
    expect(() => parseEnv({ TRUST_PROXY_HOPS: "1", TRUSTED_PROXIES: "10.0.0.0/8" })).toThrow(/TRUSTED_PROXIES/);
    expect(() => parseEnv({ TRUSTED_PROXIES: "10.0.0.0/99" })).toThrow(/TRUSTED_PROXIES: "10.0.0.0\/99"/);
    expect(() => parseEnv({ TRUST_PROXY_HOPS: "-1" })).toThrow(/TRUST_PROXY_HOPS/);
  });
});
