import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/docs (one source for this page and /docs/free-credit.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("free-credit");

export default function Page() {
  return <DocPageRoute slug="free-credit" />;
}
