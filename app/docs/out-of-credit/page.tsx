import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/docs (one source for this page and /docs/out-of-credit.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("out-of-credit");

export default function Page() {
  return <DocPageRoute slug="out-of-credit" />;
}
