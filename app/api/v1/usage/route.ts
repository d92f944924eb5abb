import { usageGet } from "@/lib/management/routes";

// Management API: the organization's usage, grouped (lib/management; docs: /docs/management-api).
export const dynamic = "force-dynamic";
export const GET = usageGet;
