import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { callUpstreamJson } from "./client";

// The upstream client's connection pool, against a raw TCP server that plays the race a
// keep-alive pool has to survive: the server closes an idle connection just as the next
// request is written on it.

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy(); // our pool keeps idle connections open for seconds
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Answers the first request on each connection with keep-alive, then drops the connection when the next one arrives on it. */
async function closesAfterOneRequest(): Promise<{ url: string; connections: () => number; answered: () => number }> {
  let connections = 0;
  let answered = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let requests = 0;
    let buffered = "";
    socket.on("data", (d) => {
      buffered += d.toString("latin1");
      // one whole request: headers plus the announced body
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = "";
      if (++requests > 1) return void socket.destroy(); // the stale connection: reset, nothing read
      answered++;
      const body = JSON.stringify({ ok: answered });
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
    });
    socket.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections, answered: () => answered };
}

describe("upstream client connection pool", () => {
  it("a request that meets a connection the server dropped is sent again on a new one, once", async () => {
    const up = await closesAfterOneRequest();
    const config = {
      id: "t",
      baseUrl: up.url,
      apiKey: null,
      headers: {},
      timeoutMs: 2_000,
      firstByteTimeoutMs: 2_000,
      breaker: { failures: 5, cooldownMs: 1_000 },
    };
    const call = () => callUpstreamJson<{ ok: number }>(config, { path: "/chat/completions", body: { n: 1 }, signal: new AbortController().signal });
    expect(await call()).toEqual({ ok: 1 }); // leaves a pooled connection behind
    expect(await call()).toEqual({ ok: 2 }); // reused it, got reset, retried on a new one
    expect(await call()).toEqual({ ok: 3 });
    expect(up.answered()).toBe(3);
    expect(up.connections()).toBeGreaterThanOrEqual(3);
  });
});
