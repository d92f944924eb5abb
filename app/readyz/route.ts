import { readyzResponse } from "@/lib/observability/endpoints";

// Readiness: 200 when PostgreSQL (migrated) and the configured Redis answer, else 503 naming
// what fails; 503 once the process is stopping (lib/observability/health.ts).
export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return readyzResponse();
}
