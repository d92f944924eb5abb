// Operator CLI: `npm run cli -- <command> [options]`. See lib/cli/commands.ts for the commands.
import { parseArgs } from "node:util";
import { getDbHandle } from "@/db/client";
import { CliError, HELP, runCommand } from "@/lib/cli/commands";

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      clear: { type: "boolean" },
      ...Object.fromEntries(
        ["email", "password", "name", "amount", "reason", "reference", "tier", "key", "period", "limit", "expires-days", "from", "to"].map((o) => [
          o,
          { type: "string" as const },
        ]),
      ),
    },
  });
} catch (err) {
  console.error(`error: ${(err as Error).message}\n\n${HELP}`);
  process.exit(2);
}
const { positionals, values } = parsed;
const command = values.help ? "help" : positionals[0];
if (!command || command === "help") {
  console.log(HELP);
  process.exit(0);
}
try {
  const handle = await getDbHandle();
  try {
    await runCommand(handle.db, command, values, (l) => console.log(l));
  } finally {
    await handle.close();
  }
} catch (err) {
  console.error(`error: ${err instanceof CliError || (err instanceof Error && /in use by process/.test(err.message)) ? err.message : err}`);
  process.exit(1);
}
