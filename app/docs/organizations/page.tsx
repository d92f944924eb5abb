import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/docs (one source for this page and /docs/organizations.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("organizations");

export default function Page() {
  return <DocPageRoute slug="organizations" />;
}
