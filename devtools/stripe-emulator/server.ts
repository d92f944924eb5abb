import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { EMULATOR_API_VERSION, generateEmulatorKeys } from "./defaults";
import { StripeEmulator, type ApiResponse, type EmulatorConfig } from "./emulator";
import { parseStripeForm } from "./form";

// The emulator on a real loopback HTTP port: what the `stripe` SDK (host/port/protocol
// options) and the browser stand-in for Stripe.js talk to. Besides Stripe's API it serves
//   GET  /endive/stripe.js, /v3/      the Stripe.js stand-in (./stripe.js); the billing page
//                                     loads it from here in test mode
//   POST /_emulator/webhooks          mode=hold|immediate, url=… (secret key required)
//   POST /_emulator/webhooks/deliver  event=evt_…|held, times=N, order=reverse
//   POST /_emulator/disputes          payment_intent=pi_…|charge=ch_…, amount=cents: opens a
//                                     dispute now (charge.dispute.created)
//   POST /_emulator/disputes/:id/close outcome=won|lost: closes it now (charge.dispute.closed;
//                                     won: then charge.dispute.funds_reinstated)
//   GET  /_emulator/state             every object, for debugging
//   POST /_emulator/reset
// and, in-process, failNextRequests() to simulate the network dropping a request.

export type StartOptions = Partial<Omit<EmulatorConfig, "publicUrl">> & {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  publicUrl?: string;
  /** JSON file the state is saved to after every change and loaded from at start. */
  stateFile?: string;
};

export type RunningEmulator = {
  url: string;
  port: number;
  emulator: StripeEmulator;
  config: EmulatorConfig;
  /**
   * The next `count` API requests whose path starts with `pathPrefix` lose their connection:
   * "before" the emulator sees them (nothing happened) or "after" it handled them (the
   * client never learns the outcome; a retry with the same Idempotency-Key replays it).
   */
  failNextRequests: (opts: { count?: number; when: "before" | "after"; pathPrefix?: string }) => void;
  close: () => Promise<void>;
};

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type, Idempotency-Key, Stripe-Version, Stripe-Account",
  "access-control-max-age": "600",
};

export async function startStripeEmulator(opts: StartOptions = {}): Promise<RunningEmulator> {
  const host = opts.host ?? "127.0.0.1";
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  // Keys not given are made up for this run (a test's emulator); never fixed values.
  const generated = generateEmulatorKeys();
  const config: EmulatorConfig = {
    secretKey: opts.secretKey ?? generated.secretKey,
    publishableKey: opts.publishableKey ?? generated.publishableKey,
    webhookSecret: opts.webhookSecret ?? generated.webhookSecret,
    apiVersion: opts.apiVersion ?? EMULATOR_API_VERSION,
    webhookUrl: opts.webhookUrl ?? null,
    webhookRetryDelaysMs: opts.webhookRetryDelaysMs,
    publicUrl: opts.publicUrl ?? url,
  };
  const emulator = new StripeEmulator(config);
  if (opts.stateFile && fs.existsSync(opts.stateFile)) {
    emulator.load(JSON.parse(fs.readFileSync(opts.stateFile, "utf8")));
  }
  const save = () => {
    if (!opts.stateFile) return;
    fs.mkdirSync(path.dirname(opts.stateFile), { recursive: true });
    fs.writeFileSync(opts.stateFile, JSON.stringify(emulator));
  };

  const faults: Array<{ count: number; when: "before" | "after"; pathPrefix: string }> = [];
  const takeFault = (p: string, when: "before" | "after") => {
    const f = faults.find((x) => x.when === when && x.count > 0 && p.startsWith(x.pathPrefix));
    if (f) f.count--;
    return !!f;
  };

  server.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://emulator");
      const send = (r: { status: number; body: unknown; headers?: Record<string, string> }, contentType = "application/json") => {
        res.writeHead(r.status, { "content-type": contentType, ...CORS, ...r.headers });
        res.end(typeof r.body === "string" ? r.body : JSON.stringify(r.body, null, 2));
      };
      if (req.method === "OPTIONS") return send({ status: 204, body: "" });
      if (req.method === "GET" && /^\/(endive\/stripe\.js|v3\/?)$/.test(u.pathname)) {
        return send({ status: 200, body: standInSource(), headers: { "cache-control": "no-store" } }, "text/javascript; charset=utf-8");
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const authorization = req.headers.authorization ?? null;
      if (u.pathname.startsWith("/_emulator/") && !u.pathname.startsWith("/_emulator/3ds/")) {
        if (authorization !== `Bearer ${config.secretKey}`)
          return send({ status: 401, body: { error: { type: "invalid_request_error", message: "control endpoints need the secret key" } } });
        void control(emulator, req.method ?? "GET", u.pathname, body).then(
          (r) => send({ status: 200, body: r }),
          (err) => send({ status: 400, body: { error: { type: "invalid_request_error", message: String(err.message ?? err) } } }),
        );
        return;
      }
      if (takeFault(u.pathname, "before")) return req.socket.destroy();
      const r: ApiResponse = emulator.handle({
        method: req.method ?? "GET",
        path: u.pathname,
        query: u.search.slice(1),
        body,
        authorization,
        idempotencyKey: (req.headers["idempotency-key"] as string | undefined) ?? null,
      });
      if (req.method === "POST" || req.method === "DELETE") save();
      if (takeFault(u.pathname, "after")) return req.socket.destroy();
      send(r);
    });
  });

  return {
    url,
    port,
    emulator,
    config,
    failNextRequests: ({ count = 1, when, pathPrefix = "/v1/" }) => faults.push({ count, when, pathPrefix }),
    close: async () => {
      await emulator.webhooks.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function control(emulator: StripeEmulator, method: string, pathname: string, body: string): Promise<unknown> {
  const f = parseStripeForm(body);
  const w = emulator.webhooks;
  if (method === "GET" && pathname === "/_emulator/state") return { ...emulator.toJSON(), held: w.held.map((e) => e.id), deliveries: w.deliveries };
  if (method === "POST" && pathname === "/_emulator/reset") return (emulator.reset(), { ok: true });
  if (method === "POST" && pathname === "/_emulator/webhooks") {
    if (f.mode === "hold" || f.mode === "immediate") w.mode = f.mode;
    if (typeof f.url === "string") w.url = f.url || null;
    return { mode: w.mode, url: typeof w.url === "function" ? w.url() : w.url, held: w.held.map((e) => e.id) };
  }
  if (method === "POST" && pathname === "/_emulator/disputes") return emulator.openDispute(f);
  const close = /^\/_emulator\/disputes\/([A-Za-z0-9_]+)\/close$/.exec(pathname);
  if (method === "POST" && close) return emulator.closeDispute(close[1], f);
  if (method === "POST" && pathname === "/_emulator/webhooks/deliver") {
    const times = Number(f.times ?? 1);
    if (f.event === "held" || f.event === undefined) return w.deliverHeld({ order: f.order === "reverse" ? "reverse" : "fifo", times });
    return w.deliver(String(f.event), { times });
  }
  throw new Error(`unknown control endpoint ${method} ${pathname}`);
}

// The stand-in is served only from here (never by the app): in test mode the billing page
// loads it from the emulator's public URL.
function standInSource(): string {
  const file = path.join(import.meta.dirname, "stripe.js");
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return `console.error("stripe emulator: stand-in not found at ${file.replace(/["\\]/g, "")}");`;
  }
}
