import { startMailSink } from "./sink";

// npx tsx devtools/mail-sink/cli.ts [--smtp-port 1025] [--http-port 1080] [--host 127.0.0.1]
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sink = await startMailSink({
  host: arg("host"),
  smtpPort: arg("smtp-port") ? Number(arg("smtp-port")) : undefined,
  httpPort: arg("http-port") ? Number(arg("http-port")) : undefined,
});
console.log(`[mail-sink] SMTP on ${sink.smtpUrl}; read the mail at ${sink.inboxUrl}`);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => void sink.stop().finally(() => process.exit(0)));
}
