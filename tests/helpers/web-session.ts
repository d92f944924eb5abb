import fs from "node:fs";
import path from "node:path";
import type { Queryable } from "@/db/client";
import { hashPassword } from "@/lib/auth/password";
import { randomBase62 } from "@/lib/ids";
import { makeVerifiedAccount } from "./accounts";

// Talks to the real server the way a browser does, without one: signs in through
// Auth.js's credentials endpoint (CSRF token + cookie), keeps the cookies, and calls
// server actions by id (the `Next-Action` header, the same request React sends), with
// arguments encoded the way React's encodeReply encodes them.

export const PASSWORD = "correct horse battery staple 8";

/** A user with a real scrypt password; `tag` is an email when it has an @, else a prefix. */
export async function makeUser(db: Queryable, tag: string) {
  const email = tag.includes("@") ? tag : `${tag}-${randomBase62(8).toLowerCase()}@access.test`;
  const { userId, accountId } = await makeVerifiedAccount(db, { email, passwordHash: await hashPassword(PASSWORD) });
  return { email, userId, accountId };
}

export class WebSession {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header seen, raw (attributes included), for cookie-policy checks. */
  readonly setCookies: string[] = [];

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async fetch(p: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    const res = await fetch(this.baseUrl + p, { redirect: "manual", ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c) || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Credentials sign-in; resolves true when a session cookie was set. */
  async signIn(email: string, password = PASSWORD, extraHeaders: Record<string, string> = {}): Promise<boolean> {
    const csrfRes = await this.fetch("/api/auth/csrf", { headers: extraHeaders });
    const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
    const res = await this.fetch("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...extraHeaders },
      body: new URLSearchParams({ csrfToken, email, password, callbackUrl: "/dashboard" }).toString(),
    });
    await res.arrayBuffer();
    return [...this.cookies.keys()].some((k) => k.endsWith("authjs.session-token"));
  }

  /**
   * Calls a server action as React does. `args` are the action's arguments; a FormData
   * argument is sent as multipart with its fields prefixed, the rest as JSON.
   */
  async action(
    page: string,
    actionId: string,
    args: unknown[],
    opts: { origin?: string | null; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { ...opts.headers, "next-action": actionId, accept: "text/x-component" };
    const origin = opts.origin === undefined ? this.baseUrl : opts.origin;
    if (origin !== null) headers.origin = origin;
    let body: BodyInit;
    const formIndex = args.findIndex((a) => a instanceof FormData);
    if (formIndex >= 0) {
      const fd = new FormData();
      const encoded = args.map((a, i) => (i === formIndex ? "$K1" : a === undefined ? "$undefined" : a));
      for (const [k, v] of (args[formIndex] as FormData).entries()) fd.append(`_1_${k}`, v); // React 19.3: "_" + ref + "_" + field
      // The root goes last, as React sends it: the server resolves "$K1" when it reads "0".
      fd.set("0", JSON.stringify(encoded));
      body = fd;
    } else {
      headers["content-type"] = "text/plain;charset=UTF-8";
      body = JSON.stringify(args.map((a) => (a === undefined ? "$undefined" : a)));
    }
    const res = await this.fetch(page, { method: "POST", headers, body });
    return { status: res.status, text: await res.text() };
  }
}

/** Server action ids by exported name, from the build's manifest. */
export function actionIds(distDir: string): Record<string, string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(distDir, "server/server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { exportedName?: string; filename?: string }>;
  };
  const out: Record<string, string> = {};
  for (const [id, v] of Object.entries(manifest.node)) if (v.exportedName) out[v.exportedName] = id;
  return out;
}

export function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}
