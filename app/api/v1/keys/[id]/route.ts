import { keyDelete, keyGet, keyPatch } from "@/lib/management/routes";

// Management API: one model key of the organization (lib/management; docs: /docs/management-api).
export const dynamic = "force-dynamic";
export const GET = keyGet;
export const PATCH = keyPatch;
export const DELETE = keyDelete;
