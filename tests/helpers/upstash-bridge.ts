import http from "node:http";
import type { AddressInfo } from "node:net";
import { LuaCompat } from "@/lib/ratelimit/lua-compat";
import { TEST_REDIS_URL, testRedis } from "./redis";

type RespValue = string | number | null | RespValue[];

// A stand-in for Upstash's REST API in front of a real Redis, so the official @upstash/redis
// client (and @upstash/ratelimit on it) is tested for real. It speaks the part of the
// protocol those clients use: POST a JSON command array to `/`, an array of them to
// `/pipeline` or `/multi-exec`; `Authorization: Bearer <token>`; replies `{"result": …}`
// or `{"error": "…"}` (per command in a pipeline); with `Upstash-Encoding: base64`, every
// string in a result is base64. Like Upstash, it accepts scripts whose shebang Redis 7.0
// rejects (see lib/ratelimit/lua-compat.ts).

export type UpstashBridge = { url: string; token: string; requests: number; close: () => Promise<void> };

export async function startUpstashBridge(opts: { redisUrl?: string; token?: string } = {}): Promise<UpstashBridge> {
  const token = opts.token ?? "test-token";
  const redis = testRedis(opts.redisUrl ?? TEST_REDIS_URL);
  const compat = new LuaCompat();
  const toArgs = (cmd: unknown[]) => compat.command(cmd.map((a) => (typeof a === "string" ? a : JSON.stringify(a))));
  const call = (cmd: unknown[]) => {
    const [name, ...args] = toArgs(cmd);
    return redis.call(name, ...args) as Promise<RespValue>;
  };

  const bridge: UpstashBridge = { url: "", token, requests: 0, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    bridge.requests++;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.method !== "POST") return send(405, { error: "ERR only POST is supported" });
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: "Unauthorized" });
    const b64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const enc = (v: RespValue): unknown => (typeof v === "string" ? (b64 ? Buffer.from(v, "utf8").toString("base64") : v) : Array.isArray(v) ? v.map(enc) : v);
    const reply = (v: RespValue) => ({ result: enc(v) });
    const settle = (p: Promise<RespValue>) => p.then(reply, (e: Error) => ({ error: e.message }));

    let body: unknown;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return send(400, { error: "ERR request body is not JSON" });
    }
    const isCommand = (c: unknown): c is unknown[] => Array.isArray(c) && c.length > 0;
    const path = (req.url ?? "/").split("?")[0];

    if (path === "/") {
      if (!isCommand(body)) return send(400, { error: "ERR expected a command array" });
      const r = await settle(call(body));
      return send("error" in r ? 400 : 200, r);
    }
    if (path !== "/pipeline" && path !== "/multi-exec") return send(404, { error: "ERR unknown path" });
    if (!Array.isArray(body) || !body.every(isCommand)) return send(400, { error: "ERR expected an array of commands" });
    if (path === "/pipeline") return send(200, await Promise.all(body.map((c) => settle(call(c)))));

    // MULTI … EXEC as one ioredis transaction on the one connection: nothing can interleave.
    try {
      const results = await redis.multi(body.map((c) => toArgs(c)) as [string, ...string[]][]).exec();
      if (!results) return send(400, { error: "EXECABORT Transaction discarded" });
      return send(
        200,
        results.map(([err, v]) => (err ? { error: err.message } : reply(v as RespValue))),
      );
    } catch (e) {
      return send(400, { error: (e as Error).message });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  bridge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bridge.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    redis.disconnect();
  };
  return bridge;
}
