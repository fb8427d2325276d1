/** The helpers every policy hook receives. */

import * as gfp from "../gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../migratetype.js";
import type { GfpConstants, PolicyHelpers } from "./policy.js";

function gfpConstants(): GfpConstants {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(gfp)) {
    if (typeof value === "number" && (name.startsWith("__GFP_") || name.startsWith("GFP_"))) out[name] = value;
  }
  return out as GfpConstants;
}

export const POLICY_HELPERS: PolicyHelpers = Object.freeze({
  gfp: Object.freeze(gfpConstants()),
  PAGE_ALLOC_COSTLY_ORDER,
  formatGfp: gfp.formatGfp,
});
