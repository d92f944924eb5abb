import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/management/docs.ts, generated from the OpenAPI document (one source for this page and /docs/management-api.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("management-api");

export default function Page() {
  return <DocPageRoute slug="management-api" />;
}
