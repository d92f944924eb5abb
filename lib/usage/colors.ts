import { getCatalog } from "@/lib/catalog";
import { MODEL_PALETTE } from "./palette";

/**
 * A model's chart colour: its position in the catalog (so the colour does not depend on
 * which models a chart happens to show), or a hash of its id for a model no longer listed.
 */
export function modelColor(model: string): string {
  const i = getCatalog().models.findIndex((m) => m.id === model);
  if (i >= 0) return MODEL_PALETTE[i % MODEL_PALETTE.length];
  let h = 0;
  for (const c of model) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return MODEL_PALETTE[h % MODEL_PALETTE.length];
}
