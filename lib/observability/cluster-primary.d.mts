import type { AggregatorRegistry, PrometheusContentType } from "prom-client";

export const METRICS_REQ: "metered:metrics-req";
export const METRICS_RES: "metered:metrics-res";
export function setupClusterMetrics(): AggregatorRegistry<PrometheusContentType>;
