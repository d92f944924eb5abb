import { notFound } from "@/lib/api";

// Any /v1 path that is not an endpoint: a 404 in the OpenAI error shape (lib/api/not-routed.ts).
// No key is needed to learn that a URL does not exist.

export const dynamic = "force-dynamic";

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
