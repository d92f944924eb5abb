import { healthzResponse } from "@/lib/observability/endpoints";

// Liveness: 200 while this process serves HTTP (lib/observability/health.ts).
export const dynamic = "force-dynamic";

export function GET(): Response {
  return healthzResponse();
}
