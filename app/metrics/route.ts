import { metricsResponse } from "@/lib/observability/endpoints";

// Prometheus metrics behind METRICS_TOKEN (lib/observability/metrics.ts).
export const dynamic = "force-dynamic";

export function GET(req: Request): Promise<Response> {
  return metricsResponse(req);
}
