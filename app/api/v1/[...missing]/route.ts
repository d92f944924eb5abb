import { ApiError } from "@/lib/errors";
import { errorResponse } from "@/lib/api/errors";

// Any other path under /api/v1: the management API's JSON error shape, not an HTML page.
export const dynamic = "force-dynamic";

function notRouted(req: Request): Response {
  const path = new URL(req.url).pathname;
  return errorResponse(new ApiError("not_found", `No management API route ${req.method} ${path}. The routes are listed at /api/v1/openapi.json.`));
}

export const GET = notRouted;
export const POST = notRouted;
export const PATCH = notRouted;
export const PUT = notRouted;
export const DELETE = notRouted;
