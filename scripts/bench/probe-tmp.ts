import http from "node:http";
import { appEnv, buildApp, CHAT_MODEL, median, setupDb, startApp, startUpstream } from "./lib/gateway-env";
import { load } from "./lib/load";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function once(url: string, headers: Record<string, string>, body: string): Promise<{ hdr: number; first: number }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const t0 = performance.now();
    let hdr = NaN, first = NaN;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", agent, headers: { "content-type": "application/json", ...headers } }, (res) => {
      hdr = performance.now() - t0;
      res.on("data", () => { if (Number.isNaN(first)) first = performance.now() - t0; });
      res.on("end", () => resolve({ hdr, first }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
export default async function probe() {
  buildApp(console.log);
  const { t, secrets } = await setupDb(1);
  const upstream = await startUpstream();
  const app = await startApp(appEnv(t.url!, upstream.url));
  const body = JSON.stringify({ model: CHAT_MODEL, messages: [{ role: "user", content: "Say something short." }], max_tokens: 64, stream: true, stream_options: { include_usage: true } });
  const plain = JSON.stringify({ model: CHAT_MODEL, messages: [{ role: "user", content: "Say something short." }], max_tokens: 64 });
  const b = `${app.url}/bench/passthrough/chat/completions`, c = `${app.url}/v1/chat/completions`;
  const auth = { authorization: `Bearer ${secrets[0]}` };
  try {
    for (let i = 0; i < 20; i++) { await once(b, {}, body); await once(c, auth, body); }
    for (const phase of ["fresh"]) {
      if (phase !== "fresh") await load({ url: c, headers: auth, body: plain }, { connections: 32, seconds: 8 });
      const rb: any[] = [], rc: any[] = [];
      for (let i = 0; i < 100; i++) { rb.push(await once(b, {}, body)); rc.push(await once(c, auth, body)); }
      const sb: any[] = [], sc: any[] = [];
      for (let i = 0; i < 60; i++) sb.push(await once(b, {}, body));
      for (let i = 0; i < 60; i++) sc.push(await once(c, auth, body));
      const m2 = (xs: any[], k: string) => median(xs.map((x) => x[k])).toFixed(2);
      console.log(`${phase} blocks: b first ${m2(sb, "first")} | c first ${m2(sc, "first")}`);
      const m = (xs: any[], k: string) => median(xs.map((x) => x[k])).toFixed(2);
      console.log(`${phase}: b headers ${m(rb, "hdr")} first ${m(rb, "first")} | c headers ${m(rc, "hdr")} first ${m(rc, "first")}`);
    }
  } finally { await app.stop(); await upstream.stop(); await t.drop(); }
}
