import type { Catalog, TextModel } from "@/lib/catalog";
import { localTextProvider } from "./local";
import type { TextProvider } from "./types";
import { upstreamTextProvider } from "./upstream";

/** Who runs a text model: its simulator, or its upstream providers (in their configured order). */
export function textProviderFor(model: TextModel, catalog: Catalog): TextProvider {
  if (model.provider === "local") return localTextProvider;
  return upstreamTextProvider(catalog);
}
