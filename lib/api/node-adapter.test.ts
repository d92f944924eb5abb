import { afterEach, describe, expect, it, vi } from "vitest";
import http from "node:http";
import net from "node:net";
import zlib from "node:zlib";
import type { AddressInfo } from "node:net";
import { serveWithNode, type WebHandler } from "./node-adapter";
import { readBodyBytes } from "./body";

// The adapter owes a route handler what Next.js gave it, over a real socket: method, URL,
// headers and body in; status, headers and body out, chunk by chunk, never read ahead of
// the client; the request's signal and the body's cancel() when the client goes away.

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(handler: WebHandler): Promise<string> {
  server = http.createServer((req, res) => void serveWithNode(req, res, handler));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw HTTP exchange: what went over the wire, headers and all. */
function raw(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), "127.0.0.1", () => s.end(request));
    let out = "";
    s.on("data", (d) => (out += d.toString()));
    s.on("end", () => resolve(out));
    s.on("error", reject);
  });
}

describe("serveWithNode", () => {
  it("gives the handler the method, URL, headers and body, and sends its status, headers and body", async () => {
    let seen: { method: string; url: string; auth: string | null; body: string } | undefined;
    const url = await serve(async (req) => {
      seen = { method: req.method, url: req.url, auth: req.headers.get("authorization"), body: await req.text() };
      return new Response(JSON.stringify({ ok: true }), { status: 201, headers: { "content-type": "application/json", "x-request-id": "req_1" } });
    });
    const res = await fetch(`${url}/v1/chat/completions?x=1`, { method: "POST", headers: { authorization: "Bearer k" }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-request-id")).toBe("req_1");
    // A whole answer goes out with its length, not chunked.
    expect(res.headers.get("content-length")).toBe("11");
    expect(await res.json()).toEqual({ ok: true });
    expect(seen).toEqual({
      method: "POST",
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions\?x=1$/),
      auth: "Bearer k",
      body: '{"a":1}',
    });
  });

  it("an event stream's headers go out at once; each chunk is on the wire before the next is produced", async () => {
    const gates: Array<() => void> = [];
    const url = await serve(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(c) {
              const n = gates.length;
              if (n === 3) return c.close();
              await new Promise<void>((r) => gates.push(r));
              c.enqueue(new TextEncoder().encode(`data: ${n}\n\n`));
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        ),
    );
    const res = await fetch(`${url}/s`);
    const reader = res.body!.getReader();
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      await vi.waitFor(() => expect(gates.length).toBe(i + 1));
      gates[i]();
      got.push(new TextDecoder().decode((await reader.read()).value));
    }
    expect(got).toEqual(["data: 0\n\n", "data: 1\n\n", "data: 2\n\n"]);
    expect((await reader.read()).done).toBe(true);
  });

  it("does not read the body ahead of a client that stops reading (waits for drain)", async () => {
    let produced = 0;
    const chunk = new Uint8Array(64 * 1024);
    const url = await serve(
      () =>
        new Response(
          new ReadableStream<Uint8Array>(
            {
              pull(c) {
                produced++;
                c.enqueue(chunk);
              },
            },
            { highWaterMark: 0 },
          ),
          { headers: { "content-type": "application/octet-stream" } },
        ),
    );
    const { port } = new URL(url);
    const s = net.connect(Number(port), "127.0.0.1", () => s.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
    s.pause(); // never read
    await new Promise((r) => setTimeout(r, 300));
    const stalled = produced;
    await new Promise((r) => setTimeout(r, 300));
    expect(produced).toBe(stalled);
    // Socket buffers on both sides hold a few MiB at most, not an endless stream.
    expect(stalled * chunk.byteLength).toBeLessThan(32 * 2 ** 20);
    s.destroy();
  });

  it("when the client goes away: the request's signal aborts and the body is cancelled", async () => {
    let signal: AbortSignal | undefined;
    let cancelled: unknown = "not cancelled";
    const url = await serve((req) => {
      signal = req.signal;
      return new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode("data: first\n\n"));
          },
          cancel(reason) {
            cancelled = reason;
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    });
    const ac = new AbortController();
    const res = await fetch(`${url}/s`, { signal: ac.signal });
    await res.body!.getReader().read();
    ac.abort();
    await vi.waitFor(() => expect(signal?.aborted).toBe(true));
    await vi.waitFor(() => expect(cancelled).toBeInstanceOf(Error));
  });

  it("a client gone before the handler answers: the signal aborts, and the late answer goes nowhere without an error", async () => {
    let signal: AbortSignal | undefined;
    let answered = false;
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on("uncaughtException", onError);
    const url = await serve(async (req) => {
      signal = req.signal;
      await new Promise((r) => setTimeout(r, 300));
      answered = true;
      return Response.json({ late: true });
    });
    const ac = new AbortController();
    const pending = fetch(`${url}/slow`, { signal: ac.signal }).catch((e: Error) => e.name);
    await vi.waitFor(() => expect(signal).toBeDefined());
    ac.abort();
    expect(await pending).toBe("AbortError");
    await vi.waitFor(() => expect(signal?.aborted).toBe(true));
    await vi.waitFor(() => expect(answered).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    process.off("uncaughtException", onError);
    expect(errors).toEqual([]);
    // The server still serves.
    expect((await fetch(`${url}/again`)).status).toBe(200);
  });

  it("a body that fails mid-way cuts the connection after what was sent; the server keeps serving", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const url = await serve((req) =>
      new URL(req.url).pathname === "/ok"
        ? new Response("fine")
        : new Response(
            new ReadableStream<Uint8Array>({
              start(c) {
                c.enqueue(new TextEncoder().encode("data: one\n\n"));
              },
              pull(c) {
                c.error(new Error("the producer failed"));
              },
            }),
            { headers: { "content-type": "text/event-stream" } },
          ),
    );
    const res = await fetch(`${url}/broken`);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: one\n\n");
    await expect(reader.read()).rejects.toThrow();
    expect(await (await fetch(`${url}/ok`)).text()).toBe("fine");
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("the answer's body failed"), expect.any(Error));
    errors.mockRestore();
  });

  it("a request body the handler refuses part-way (too large) still gets its answer", async () => {
    const url = await serve(async (req) => {
      try {
        return new Response(`read ${(await readBodyBytes(req, 1000)).byteLength}`);
      } catch (err) {
        return Response.json({ error: { message: (err as Error).message } }, { status: 413 });
      }
    });
    // Declared too large (Content-Length), and found too large while reading (chunked).
    expect((await fetch(`${url}/u`, { method: "POST", body: new Uint8Array(5000) })).status).toBe(413);
    const chunked = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await fetch(`${url}/u`, { method: "POST", body: chunked, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    // Over the limit, chunked and finite: the rest arrives after the refusal and is discarded.
    const finite = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(600));
        c.close();
      },
    });
    const refused = await fetch(`${url}/u`, { method: "POST", body: finite, duplex: "half" } as RequestInit);
    expect([refused.status, ((await refused.json()) as { error: { message: string } }).error.message]).toEqual([413, expect.stringContaining("1000 bytes")]);
    // A body within the limit, chunked, arrives whole.
    const small = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(300));
        c.enqueue(new Uint8Array(300));
        c.close();
      },
    });
    const ok = await fetch(`${url}/u`, { method: "POST", body: small, duplex: "half" } as RequestInit);
    expect([ok.status, await ok.text()]).toEqual([200, "read 600"]);
  });

  it("a handler that throws answers 500 in the OpenAI error shape; a bad Host answers 400", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const url = await serve(() => {
      throw new Error("boom");
    });
    const res = await fetch(`${url}/x`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { type: "server_error", code: "internal_error" } });
    const bad = await raw(url, "GET /x HTTP/1.1\r\nhost: a b\r\nconnection: close\r\n\r\n");
    expect(bad).toMatch(/^HTTP\/1\.1 400/);
    expect(bad).toContain('"code":"invalid_request"');
    errors.mockRestore();
  });

  it("gzips a whole JSON answer of 1 KiB or more when the client accepts gzip, unless it says no-transform", async () => {
    const big = JSON.stringify({ data: "x".repeat(4000) });
    const url = await serve((req) => {
      const p = new URL(req.url).pathname;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (p === "/no-transform") headers["cache-control"] = "no-transform";
      return new Response(p === "/small" ? '{"ok":true}' : big, { headers });
    });
    const get = (p: string, accept: string) =>
      new Promise<http.IncomingMessage & { body: Buffer }>((resolve, reject) =>
        http
          .get(`${url}${p}`, { headers: { "accept-encoding": accept } }, (res) => {
            const parts: Buffer[] = [];
            res.on("data", (d: Buffer) => parts.push(d));
            res.on("end", () => resolve(Object.assign(res, { body: Buffer.concat(parts) })));
          })
          .on("error", reject),
      );
    const zipped = await get("/big", "gzip, deflate");
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(Number(zipped.headers["content-length"])).toBe(zipped.body.byteLength);
    expect(zlib.gunzipSync(zipped.body).toString()).toBe(big);
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    for (const [p, accept] of [
      ["/big", "identity"],
      ["/big", "gzip;q=0"],
      ["/small", "gzip"],
      ["/no-transform", "gzip"],
    ]) {
      const plain = await get(p, accept);
      expect([p, accept, plain.headers["content-encoding"]]).toEqual([p, accept, undefined]);
      expect(plain.body.toString()).toBe(p === "/small" ? '{"ok":true}' : big);
    }
  });

  it("HEAD sends the headers and no body; set-cookie stays one header per cookie", async () => {
    const url = await serve(() => {
      const h = new Headers({ "content-type": "text/plain" });
      h.append("set-cookie", "a=1");
      h.append("set-cookie", "b=2");
      return new Response("hello", { headers: h });
    });
    const head = await raw(url, "HEAD /x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).not.toContain("hello");
    const get = await raw(url, "GET /x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    expect(get.match(/^set-cookie: [^\r\n]*/gim)).toEqual(["set-cookie: a=1", "set-cookie: b=2"]);
    expect(get.endsWith("hello")).toBe(true);
  });
});
