import http from "node:http";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { isDraining } from "@/lib/observability/draining";
import { onShutdown } from "@/lib/process";
import { installRequestTracking, openRequests, stopGracefully } from "@/lib/shutdown";

// lib/shutdown.ts on a plain node:http server in this process (the built server's tests are
// tests/server/shutdown.test.ts): from the stop on, readiness says draining, new connections
// are refused, a request that ends within the grace period runs to its end, one still open
// past it is cut, and only then does the shutdown registry run; the stop resolves to 0.

const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

/** A GET that resolves with how it ended: the whole body, or cut after what came. */
const get = (port: number, path: string) =>
  new Promise<{ body: string; complete: boolean }>((resolve) => {
    http
      .get({ port, host: "127.0.0.1", path, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ body, complete: true }));
        res.on("error", () => resolve({ body, complete: false }));
        res.on("close", () => resolve({ body, complete: res.complete }));
      })
      .on("error", () => resolve({ body: "", complete: false }));
  });

describe("stopGracefully", () => {
  it("drains: refuses new connections, lets a short request finish, cuts a long one at the grace period, then flushes; exit code 0", async () => {
    installRequestTracking();
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("start;");
      const ms = req.url === "/short" ? 200 : 10_000;
      const t = setTimeout(() => res.end("end"), ms);
      res.on("close", () => clearTimeout(t));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as net.AddressInfo;

    const short = get(port, "/short");
    const long = get(port, "/long");
    await expect.poll(() => openRequests()).toBe(2);

    const events: string[] = [];
    onShutdown("test.flush", () => {
      events.push(`flush with ${openRequests()} open`);
    });
    const lines: string[] = [];
    const stopped = stopGracefully(1_000, (l) => lines.push(l));
    expect(isDraining()).toBe(true);
    expect(await connects(port)).toBe(false);

    expect(await short).toEqual({ body: "start;end", complete: true });
    expect(await long).toEqual({ body: "start;", complete: false });
    expect(await stopped).toBe(0);
    expect(events).toEqual(["flush with 0 open"]);
    expect(lines[0]).toMatch(/no new connections; 2 open requests, 1 s to finish/);
    expect(lines.some((l) => /1 request\(s\) still open after 1 s: cut/.test(l))).toBe(true);
    expect(stopGracefully(1_000)).toBe(stopped); // a second signal gets the same stop
  });
});
