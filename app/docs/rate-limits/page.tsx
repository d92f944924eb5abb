import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/docs (one source for this page and /docs/rate-limits.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("rate-limits");

export default function Page() {
  return <DocPageRoute slug="rate-limits" />;
}
