import net from "node:net";
import tls from "node:tls";

// A minimal RESP2 client: one keep-alive connection, commands pipelined on it (written as
// they come, replies matched in order), reconnecting lazily on the next command after the
// connection drops. It exists because the limiter needs only EVAL/EVALSHA and we don't want
// a Redis driver dependency for that. A command that gets no reply within
// `commandTimeoutMs` destroys the connection: a server that accepts but never answers
// would otherwise queue every later command behind the stuck one.

// Error replies nested in arrays (EXEC) stay values; a top-level error reply rejects.
export type RespValue = string | number | null | RespError | RespValue[];

export class RespError extends Error {
  override name = "RespError";
}

export type RespClientOptions = {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  url: string;
  /** Give up on a command (and drop the connection) after this long. Also bounds connecting. */
  commandTimeoutMs?: number;
};

type Pending = { resolve: (v: RespValue) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | null };

export class RespClient {
  private readonly host: string;
  private readonly port: number;
  private readonly useTls: boolean;
  private readonly hello: (string | number)[][];
  private readonly timeoutMs: number;
  private socket: net.Socket | null = null;
  private pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;

  constructor(opts: RespClientOptions) {
    const u = new URL(opts.url);
    this.useTls = u.protocol === "rediss:";
    this.host = u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
    this.port = Number(u.port || 6379);
    this.timeoutMs = opts.commandTimeoutMs ?? 2000;
    // Sent first on every new connection; their replies are consumed like any other.
    this.hello = [];
    const password = decodeURIComponent(u.password);
    const username = decodeURIComponent(u.username);
    if (password) this.hello.push(username ? ["AUTH", username, password] : ["AUTH", password]);
    const db = Number(u.pathname.slice(1) || 0);
    if (db) this.hello.push(["SELECT", db]);
  }

  /** Sends one command; resolves with its reply, rejects with RespError on an error reply. */
  call(...args: (string | number | null | undefined)[]): Promise<RespValue> {
    if (this.closed) return Promise.reject(new Error("RespClient is closed"));
    const socket = this.connection();
    return this.send(socket, args);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.drop(new Error("RespClient closed"));
  }

  private send(socket: net.Socket, args: (string | number | null | undefined)[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, timer: null };
      p.timer = setTimeout(() => {
        // The connection is now out of step or stuck: drop it and everything queued on it.
        this.drop(new Error(`Redis did not answer within ${this.timeoutMs} ms`), socket);
      }, this.timeoutMs);
      p.timer.unref();
      this.pending.push(p);
      socket.ref(); // keep the process alive while a reply is owed
      socket.write(encode(args));
    });
  }

  private connection(): net.Socket {
    if (this.socket) return this.socket;
    const socket = this.useTls
      ? tls.connect({ host: this.host, port: this.port, servername: this.host })
      : net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on("data", (chunk: Buffer) => this.onData(socket, chunk));
    socket.on("error", (err) => this.drop(err, socket));
    socket.on("close", () => this.drop(new Error("Redis connection closed"), socket));
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    // Writes before the connection is up are buffered by node:net, so AUTH/SELECT go first.
    for (const cmd of this.hello) {
      this.send(socket, cmd).catch(() => {}); // a failure here also fails the socket's commands
    }
    return socket;
  }

  private onData(socket: net.Socket, chunk: Buffer) {
    if (socket !== this.socket) return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      let parsed: { value: RespValue; end: number } | null;
      try {
        parsed = parseReply(this.buffer, offset);
      } catch (err) {
        this.drop(err as Error, socket);
        return;
      }
      if (!parsed) break;
      offset = parsed.end;
      const p = this.pending.shift();
      if (!p) {
        this.drop(new Error("Redis sent a reply nobody asked for"), socket);
        return;
      }
      if (p.timer) clearTimeout(p.timer);
      if (parsed.value instanceof RespError) p.reject(parsed.value);
      else p.resolve(parsed.value);
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
    if (this.pending.length === 0) socket.unref(); // an idle connection must not hold the process open
  }

  private drop(err: Error, socket: net.Socket | null = this.socket) {
    if (socket && socket !== this.socket) return; // an old connection's late event
    const pending = this.pending;
    this.pending = [];
    this.socket = null;
    this.buffer = Buffer.alloc(0);
    socket?.destroy();
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
  }
}

function encode(args: (string | number | null | undefined)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a === null || a === undefined ? "" : String(a), "utf8");
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Parses one reply starting at `offset`; null when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, offset: number): { value: RespValue; end: number } | null {
  const lineEnd = buf.indexOf("\r\n", offset);
  if (lineEnd === -1) return null;
  const type = String.fromCharCode(buf[offset]);
  const line = buf.toString("utf8", offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { value: line, end: next };
    case "-":
      return { value: new RespError(line), end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return null;
      return { value: buf.toString("utf8", next, next + len), end: next + len + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return null;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`Unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}
