import { creditsGet } from "@/lib/management/routes";

// Management API: the organization's credits (lib/management; docs: /docs/management-api).
export const dynamic = "force-dynamic";
export const GET = creditsGet;
