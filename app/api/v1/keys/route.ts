import { keysGet, keysPost } from "@/lib/management/routes";

// Management API: the organization's model keys (lib/management; docs: /docs/management-api).
export const dynamic = "force-dynamic";
export const POST = keysPost;
export const GET = keysGet;
