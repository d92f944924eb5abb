// BENCHMARK ONLY, loaded into the app under test with `node --require` by
// `npm run bench -- streams`; never part of the app or its build. Measures the event loop's
// delay inside the server process (perf_hooks.monitorEventLoopDelay) and answers it, with
// the process's own CPU time and memory, on a loopback port of its own:
//   GET http://127.0.0.1:$BENCH_LOOP_PORT/        → JSON figures since the last reset
//   GET http://127.0.0.1:$BENCH_LOOP_PORT/reset   → starts a new measurement
const port = Number(process.env.BENCH_LOOP_PORT);
if (port) {
  const http = require("node:http");
  const { monitorEventLoopDelay } = require("node:perf_hooks");
  let h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let since = { at: Date.now(), cpu: process.cpuUsage() };
  const ms = (ns) => ns / 1e6;
  const server = http.createServer((req, res) => {
    const cpu = process.cpuUsage(since.cpu);
    const mem = process.memoryUsage();
    const body = {
      pid: process.pid,
      seconds: (Date.now() - since.at) / 1000,
      loopDelayMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) },
      cpuMs: (cpu.user + cpu.system) / 1000,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      handles: process.getActiveResourcesInfo ? process.getActiveResourcesInfo().length : null,
    };
    if (req.url === "/reset") {
      h.disable();
      h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      since = { at: Date.now(), cpu: process.cpuUsage() };
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  server.on("error", () => {}); // a second process with the same environment: the first one answers
  server.listen(port, "127.0.0.1");
  server.unref();
}
