import { ConfigError, env } from "@/lib/env";
import { getDbHandle } from "@/db/client";

// Configuration is validated first (a bad variable stops the process with a message
// naming it), then the database is migrated before the first request rather than on it.
try {
  env();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
const handle = await getDbHandle();
console.log(`[metered] database ready (${handle.kind === "pglite" ? "embedded PGlite" : "PostgreSQL"}), migrations applied`);
