// Loaded before anything else in a production server process (`node --import
// ./lib/observability/preload.mjs …`, or NODE_OPTIONS="--import=./lib/observability/preload.mjs"),
// so that EVERY line the process writes is one JSON object (README, "Operations"), including
// what is written before the app's own logger exists (Next.js's start banner) and what is
// written around it (Node's warnings, a dependency's console output). The app's logger
// (lib/observability/logger.ts, pino) writes JSON itself and passes through untouched; any
// other write becomes {"level","time","msg"} with the text as one message (a stack trace
// stays in one line). Outside production (NODE_ENV unset or not "production") it does nothing.
if (process.env.NODE_ENV === "production" && !globalThis.__meteredJsonOutput) {
  globalThis.__meteredJsonOutput = true;
  const ansi = /\u001b\[[0-9;]*[A-Za-z]/g;
  const isJsonLine = (line) => {
    if (!line.startsWith("{") || !line.endsWith("}")) return false;
    try {
      JSON.parse(line);
      return true;
    } catch {
      return false;
    }
  };
  const wrap = (stream, level) => {
    const write = stream.write.bind(stream);
    stream.write = function (chunk, encoding, callback) {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof encoding === "string" ? encoding : "utf8");
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      if (lines.length === 0 || lines.every(isJsonLine)) return write(chunk, encoding, callback);
      const msg = text.replace(ansi, "").replace(/\s+$/, "").replace(/^\s+/, "");
      const line = JSON.stringify({ level, time: new Date().toISOString(), pid: process.pid, msg }) + "\n";
      return write(line, typeof encoding === "function" ? encoding : callback);
    };
  };
  wrap(process.stdout, "info");
  wrap(process.stderr, "error");
}
