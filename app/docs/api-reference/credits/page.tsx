import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/docs/pages/endpoints.ts (one source for this page and /docs/api-reference/credits.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("api-reference/credits");

export default function Page() {
  return <DocPageRoute slug="api-reference/credits" />;
}
