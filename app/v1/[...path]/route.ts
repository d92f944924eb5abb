import { ApiError, apiResponseHeaders, errorResponse } from "@/lib/api";
import { newId } from "@/lib/ids";

// Any /v1 path that is not an endpoint: a 404 in the OpenAI error shape (what the SDKs
// parse), not the site's HTML page, with the headers every /v1 response carries. No key
// is needed to learn that a URL does not exist.

export const dynamic = "force-dynamic";

function notFound(req: Request): Response {
  const { pathname } = new URL(req.url);
  const error = new ApiError("not_found", `Invalid URL (${req.method} ${pathname}): there is no such endpoint. The API reference at /docs lists them.`);
  return errorResponse(error, apiResponseHeaders(newId("req")));
}

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
