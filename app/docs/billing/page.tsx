import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/docs (one source for this page and /docs/billing.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("billing");

export default function Page() {
  return <DocPageRoute slug="billing" />;
}
