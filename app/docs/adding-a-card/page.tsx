import { DocPageRoute, docMetadata } from "@/components/docs/doc-page";

// Content: lib/docs (one source for this page and /docs/adding-a-card.md).
export const dynamic = "force-dynamic";
export const metadata = docMetadata("adding-a-card");

export default function Page() {
  return <DocPageRoute slug="adding-a-card" />;
}
