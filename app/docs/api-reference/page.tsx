import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/docs (one source for this page and /docs/api-reference.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("api-reference");

export default function Page() {
  return <DocPageRoute slug="api-reference" />;
}
