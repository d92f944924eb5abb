import { openApiGet } from "@/lib/management/routes";

// The management API's OpenAPI 3.1 document, built from the handlers' zod schemas (lib/management/openapi.ts).
export const dynamic = "force-dynamic";
export const GET = openApiGet;
