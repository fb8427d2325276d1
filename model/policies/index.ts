/** The built-in policies, by id: what `gfpcheck check` runs and regression files name. */

import { baseline } from "./baseline.js";
import { compactOnce } from "./compact-once.js";
import { filemapCostlySplit } from "./filemap-costly-split.js";
import { filemapNoDirectReclaim } from "./filemap-no-direct-reclaim.js";
import { folioOrderRange } from "./folio-order-range.js";
import { iomapClearDirectReclaim } from "./iomap-clear-direct-reclaim.js";
import { noretryWakeKcompactd } from "./noretry-wake-kcompactd.js";
import type { Policy } from "./policy.js";
import { slowpathClearDirectReclaim } from "./slowpath-clear-direct-reclaim.js";

/** In the order of kernel-semantics.md §6: P0 to P6. */
export const BUILTIN_POLICIES: readonly Policy[] = [
  baseline,
  iomapClearDirectReclaim,
  filemapCostlySplit,
  filemapNoDirectReclaim,
  noretryWakeKcompactd,
  slowpathClearDirectReclaim,
  compactOnce,
  folioOrderRange,
];

export function builtinPolicy(id: string): Policy | undefined {
  return BUILTIN_POLICIES.find((p) => p.id === id);
}

export type { Policy } from "./policy.js";
