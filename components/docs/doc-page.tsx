import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { buildDocPage, findDocPage, siteOrigin } from "@/lib/docs";
import { DocView } from "./doc-view";

/** The whole of an app/docs/<slug>/page.tsx: build the page's data, render it. */
export async function DocPageRoute({ slug }: { slug: string }) {
  const h = await headers();
  const page = await buildDocPage(slug, { origin: siteOrigin(null, h.get("host"), h.get("x-forwarded-proto")) });
  if (!page) notFound();
  return <DocView page={page} />;
}

export function docMetadata(slug: string): Metadata {
  const src = findDocPage(slug);
  return src ? { title: `${src.title} · Docs · Metered`, description: src.summary() } : {};
}
