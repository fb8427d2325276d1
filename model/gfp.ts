/**
 * GFP flags: include/linux/gfp_types.h, include/linux/gfp.h, include/asm-generic/pgalloc.h, and
 * the tracepoint view of them (include/trace/events/mmflags.h show_gfp_flags()).
 *
 * Bit values follow the enum in gfp_types.h (read from linux-mm/linux-mm, 2026 mm tree) with
 * every config-dependent flag switched on: CONFIG_KASAN_HW_TAGS (SKIP_ZERO, SKIP_KASAN),
 * CONFIG_LOCKDEP (NOLOCKDEP) and CONFIG_SLAB_OBJ_EXT (NO_OBJ_EXT). Each flag then has its own
 * bit, so the model can tell all of them apart. A distro kernel without KASAN_HW_TAGS or LOCKDEP
 * compiles those flags to 0 and shifts the later enum bits down; then __GFP_NO_OBJ_EXT is bit
 * 24, and GFP_HIGHUSER_MOVABLE is 0x100cca, not 0x2100cca. Flag *names* print the same either
 * way, but raw hex masks copied from such a kernel's trace decode differently above bit 23.
 *
 * A mask is a plain 32-bit number (gfp_t is an unsigned int). Results are always kept unsigned
 * (`>>> 0`), so a mask with bit 31 set compares equal to its parsed form.
 */

import { MIGRATE_UNMOVABLE, type Migratetype } from "./migratetype.js";

export type GfpMask = number;

// include/linux/gfp_types.h enum { ___GFP_DMA_BIT, ... }. Bit 9 is ___GFP_UNUSED_BIT, freed
// when ___GFP_ATOMIC was removed in v6.3.
const ___GFP_DMA_BIT = 0;
const ___GFP_HIGHMEM_BIT = 1;
const ___GFP_DMA32_BIT = 2;
const ___GFP_MOVABLE_BIT = 3;
const ___GFP_RECLAIMABLE_BIT = 4;
const ___GFP_HIGH_BIT = 5;
const ___GFP_IO_BIT = 6;
const ___GFP_FS_BIT = 7;
const ___GFP_ZERO_BIT = 8;
const ___GFP_DIRECT_RECLAIM_BIT = 10;
const ___GFP_KSWAPD_RECLAIM_BIT = 11;
const ___GFP_WRITE_BIT = 12;
const ___GFP_NOWARN_BIT = 13;
const ___GFP_RETRY_MAYFAIL_BIT = 14;
const ___GFP_NOFAIL_BIT = 15;
const ___GFP_NORETRY_BIT = 16;
const ___GFP_MEMALLOC_BIT = 17;
const ___GFP_COMP_BIT = 18;
const ___GFP_NOMEMALLOC_BIT = 19;
const ___GFP_HARDWALL_BIT = 20;
const ___GFP_THISNODE_BIT = 21;
const ___GFP_ACCOUNT_BIT = 22;
const ___GFP_ZEROTAGS_BIT = 23;
const ___GFP_SKIP_ZERO_BIT = 24;
const ___GFP_SKIP_KASAN_BIT = 25;
const ___GFP_NOLOCKDEP_BIT = 26;
const ___GFP_NO_OBJ_EXT_BIT = 27;
const ___GFP_LAST_BIT = 28;

/** include/linux/gfp_types.h __GFP_BITS_SHIFT: every flag lives below this bit. */
export const __GFP_BITS_SHIFT = ___GFP_LAST_BIT;
export const __GFP_BITS_MASK: GfpMask = (1 << __GFP_BITS_SHIFT) - 1;

// Zone modifiers.
export const __GFP_DMA: GfpMask = 1 << ___GFP_DMA_BIT;
export const __GFP_HIGHMEM: GfpMask = 1 << ___GFP_HIGHMEM_BIT;
export const __GFP_DMA32: GfpMask = 1 << ___GFP_DMA32_BIT;
export const __GFP_MOVABLE: GfpMask = 1 << ___GFP_MOVABLE_BIT;
// Mobility and placement.
export const __GFP_RECLAIMABLE: GfpMask = 1 << ___GFP_RECLAIMABLE_BIT;
export const __GFP_WRITE: GfpMask = 1 << ___GFP_WRITE_BIT;
export const __GFP_HARDWALL: GfpMask = 1 << ___GFP_HARDWALL_BIT;
export const __GFP_THISNODE: GfpMask = 1 << ___GFP_THISNODE_BIT;
export const __GFP_ACCOUNT: GfpMask = 1 << ___GFP_ACCOUNT_BIT;
export const __GFP_NO_OBJ_EXT: GfpMask = 1 << ___GFP_NO_OBJ_EXT_BIT;
// Watermark modifiers.
export const __GFP_HIGH: GfpMask = 1 << ___GFP_HIGH_BIT;
export const __GFP_MEMALLOC: GfpMask = 1 << ___GFP_MEMALLOC_BIT;
export const __GFP_NOMEMALLOC: GfpMask = 1 << ___GFP_NOMEMALLOC_BIT;
// Reclaim modifiers.
export const __GFP_IO: GfpMask = 1 << ___GFP_IO_BIT;
export const __GFP_FS: GfpMask = 1 << ___GFP_FS_BIT;
export const __GFP_DIRECT_RECLAIM: GfpMask = 1 << ___GFP_DIRECT_RECLAIM_BIT;
export const __GFP_KSWAPD_RECLAIM: GfpMask = 1 << ___GFP_KSWAPD_RECLAIM_BIT;
export const __GFP_RECLAIM: GfpMask = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const __GFP_RETRY_MAYFAIL: GfpMask = 1 << ___GFP_RETRY_MAYFAIL_BIT;
export const __GFP_NOFAIL: GfpMask = 1 << ___GFP_NOFAIL_BIT;
export const __GFP_NORETRY: GfpMask = 1 << ___GFP_NORETRY_BIT;
// Action modifiers.
export const __GFP_NOWARN: GfpMask = 1 << ___GFP_NOWARN_BIT;
export const __GFP_COMP: GfpMask = 1 << ___GFP_COMP_BIT;
export const __GFP_ZERO: GfpMask = 1 << ___GFP_ZERO_BIT;
export const __GFP_ZEROTAGS: GfpMask = 1 << ___GFP_ZEROTAGS_BIT;
export const __GFP_SKIP_ZERO: GfpMask = 1 << ___GFP_SKIP_ZERO_BIT;
export const __GFP_SKIP_KASAN: GfpMask = 1 << ___GFP_SKIP_KASAN_BIT;
export const __GFP_NOLOCKDEP: GfpMask = 1 << ___GFP_NOLOCKDEP_BIT;

/** include/linux/gfp_types.h GFP_ZONEMASK: the bits gfp_zone() looks at. */
export const GFP_ZONEMASK: GfpMask = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;
/** include/linux/gfp.h GFP_MOVABLE_MASK / GFP_MOVABLE_SHIFT: mobility bits sit just above the zone bits. */
export const GFP_MOVABLE_MASK: GfpMask = __GFP_RECLAIMABLE | __GFP_MOVABLE;
export const GFP_MOVABLE_SHIFT = 3;

// include/linux/gfp_types.h "Useful GFP flag combinations".
export const GFP_ATOMIC: GfpMask = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL: GfpMask = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_KERNEL_ACCOUNT: GfpMask = GFP_KERNEL | __GFP_ACCOUNT;
/** NOWARN joined GFP_NOWAIT in recent kernels; older ones have only __GFP_KSWAPD_RECLAIM. */
export const GFP_NOWAIT: GfpMask = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
export const GFP_NOIO: GfpMask = __GFP_RECLAIM;
export const GFP_NOFS: GfpMask = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER: GfpMask = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA: GfpMask = __GFP_DMA;
export const GFP_DMA32: GfpMask = __GFP_DMA32;
export const GFP_HIGHUSER: GfpMask = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE: GfpMask = GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN;
/** THP fault path: never reclaims, never wakes kswapd; the fallback to order 0 is cheap. */
export const GFP_TRANSHUGE_LIGHT: GfpMask =
  (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
export const GFP_TRANSHUGE: GfpMask = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;
/** include/asm-generic/pgalloc.h: page-table pages are UNMOVABLE, which is what fragments MOVABLE blocks. */
export const GFP_PGTABLE_KERNEL: GfpMask = GFP_KERNEL | __GFP_ZERO;
export const GFP_PGTABLE_USER: GfpMask = GFP_PGTABLE_KERNEL | __GFP_ACCOUNT;

export interface GfpFlagEntry {
  readonly name: string;
  readonly mask: GfpMask;
}

/** Every single-bit __GFP_* flag, in enum bit order. */
export const GFP_FLAGS: readonly GfpFlagEntry[] = [
  { name: "__GFP_DMA", mask: __GFP_DMA },
  { name: "__GFP_HIGHMEM", mask: __GFP_HIGHMEM },
  { name: "__GFP_DMA32", mask: __GFP_DMA32 },
  { name: "__GFP_MOVABLE", mask: __GFP_MOVABLE },
  { name: "__GFP_RECLAIMABLE", mask: __GFP_RECLAIMABLE },
  { name: "__GFP_HIGH", mask: __GFP_HIGH },
  { name: "__GFP_IO", mask: __GFP_IO },
  { name: "__GFP_FS", mask: __GFP_FS },
  { name: "__GFP_ZERO", mask: __GFP_ZERO },
  { name: "__GFP_DIRECT_RECLAIM", mask: __GFP_DIRECT_RECLAIM },
  { name: "__GFP_KSWAPD_RECLAIM", mask: __GFP_KSWAPD_RECLAIM },
  { name: "__GFP_WRITE", mask: __GFP_WRITE },
  { name: "__GFP_NOWARN", mask: __GFP_NOWARN },
  { name: "__GFP_RETRY_MAYFAIL", mask: __GFP_RETRY_MAYFAIL },
  { name: "__GFP_NOFAIL", mask: __GFP_NOFAIL },
  { name: "__GFP_NORETRY", mask: __GFP_NORETRY },
  { name: "__GFP_MEMALLOC", mask: __GFP_MEMALLOC },
  { name: "__GFP_COMP", mask: __GFP_COMP },
  { name: "__GFP_NOMEMALLOC", mask: __GFP_NOMEMALLOC },
  { name: "__GFP_HARDWALL", mask: __GFP_HARDWALL },
  { name: "__GFP_THISNODE", mask: __GFP_THISNODE },
  { name: "__GFP_ACCOUNT", mask: __GFP_ACCOUNT },
  { name: "__GFP_ZEROTAGS", mask: __GFP_ZEROTAGS },
  { name: "__GFP_SKIP_ZERO", mask: __GFP_SKIP_ZERO },
  { name: "__GFP_SKIP_KASAN", mask: __GFP_SKIP_KASAN },
  { name: "__GFP_NOLOCKDEP", mask: __GFP_NOLOCKDEP },
  { name: "__GFP_NO_OBJ_EXT", mask: __GFP_NO_OBJ_EXT },
];

/** The multi-bit (and alias) masks above, in gfp_types.h / pgalloc.h order. */
export const GFP_COMPOSITES: readonly GfpFlagEntry[] = [
  { name: "__GFP_RECLAIM", mask: __GFP_RECLAIM },
  { name: "GFP_ATOMIC", mask: GFP_ATOMIC },
  { name: "GFP_KERNEL", mask: GFP_KERNEL },
  { name: "GFP_KERNEL_ACCOUNT", mask: GFP_KERNEL_ACCOUNT },
  { name: "GFP_NOWAIT", mask: GFP_NOWAIT },
  { name: "GFP_NOIO", mask: GFP_NOIO },
  { name: "GFP_NOFS", mask: GFP_NOFS },
  { name: "GFP_USER", mask: GFP_USER },
  { name: "GFP_DMA", mask: GFP_DMA },
  { name: "GFP_DMA32", mask: GFP_DMA32 },
  { name: "GFP_HIGHUSER", mask: GFP_HIGHUSER },
  { name: "GFP_HIGHUSER_MOVABLE", mask: GFP_HIGHUSER_MOVABLE },
  { name: "GFP_TRANSHUGE_LIGHT", mask: GFP_TRANSHUGE_LIGHT },
  { name: "GFP_TRANSHUGE", mask: GFP_TRANSHUGE },
  { name: "GFP_PGTABLE_KERNEL", mask: GFP_PGTABLE_KERNEL },
  { name: "GFP_PGTABLE_USER", mask: GFP_PGTABLE_USER },
];

function entry(name: string): GfpFlagEntry {
  const found = GFP_FLAGS.find((e) => e.name === name) ?? GFP_COMPOSITES.find((e) => e.name === name);
  if (found === undefined) throw new Error(`internal: no GFP mask named ${name}`);
  return found;
}

/**
 * include/trace/events/mmflags.h __def_gfpflag_names, the table show_gfp_flags() prints with.
 *
 * Read from linux-mm/linux-mm (2026 mm tree). Since Steven Rostedt's "tracing: gfp" series (early
 * 2025) the single flags come from TRACE_GFP_FLAGS: TRACE_GFP_FLAGS_GENERAL in enum order, then
 * TRACE_GFP_FLAGS_KASAN (SKIP_ZERO, SKIP_KASAN), TRACE_GFP_FLAGS_LOCKDEP (NOLOCKDEP) and
 * TRACE_GFP_FLAGS_SLAB (NO_OBJ_EXT, as added by that series; the 2026 RFC that deletes
 * __GFP_NO_OBJ_EXT drops it again). Kernels before that series (about 6.13 and older; the exact
 * release is recalled, not checked) list the single flags in a hand-written order instead, with
 * __GFP_HIGHMEM right after GFP_DMA and no __GFP_NO_OBJ_EXT, so their traces order the
 * trailing __GFP_* names differently. This model prints only the new order.
 *
 * Consequences of this table that look odd but are the kernel's: GFP_PGTABLE_* are not in it
 * (GFP_PGTABLE_USER prints as GFP_KERNEL_ACCOUNT|__GFP_ZERO); __GFP_RECLAIM can never print,
 * because GFP_NOIO is the same mask and comes first; __GFP_DMA prints as GFP_DMA.
 */
export const SHOW_GFP_FLAGS_TABLE: readonly GfpFlagEntry[] = [
  entry("GFP_TRANSHUGE"),
  entry("GFP_TRANSHUGE_LIGHT"),
  entry("GFP_HIGHUSER_MOVABLE"),
  entry("GFP_HIGHUSER"),
  entry("GFP_USER"),
  entry("GFP_KERNEL_ACCOUNT"),
  entry("GFP_KERNEL"),
  entry("GFP_NOFS"),
  entry("GFP_ATOMIC"),
  entry("GFP_NOIO"),
  entry("GFP_NOWAIT"),
  entry("GFP_DMA"),
  entry("GFP_DMA32"),
  entry("__GFP_RECLAIM"),
  ...GFP_FLAGS,
];

/** What show_gfp_flags() prints for a zero mask: it tests `(flags) ?` before __print_flags. */
const EMPTY_MASK_NAME = "none";

// include/trace/events/mmflags.h show_gfp_flags() via kernel/trace/trace_output.c trace_print_flags_seq()
export function formatGfp(mask: GfpMask): string {
  let rest = mask >>> 0;
  if (rest === 0) return EMPTY_MASK_NAME;
  const names: string[] = [];
  // Greedy in table order: a composite swallows its bits, so its parts never print again.
  for (const { name, mask: m } of SHOW_GFP_FLAGS_TABLE) {
    if (rest === 0) break;
    if ((rest & m) >>> 0 !== m) continue;
    names.push(name);
    rest = (rest & ~m) >>> 0;
  }
  // The kernel prints leftovers with "0x%lx": lowercase, no padding.
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.join("|");
}

/** A GFP mask that could not be parsed; the message names the bad token and what was expected. */
export class GfpParseError extends Error {
  override readonly name = "GfpParseError";
  readonly input: string;
  readonly token: string;
  readonly suggestions: readonly string[];

  constructor(message: string, input: string, token: string, suggestions: readonly string[] = []) {
    super(message);
    this.input = input;
    this.token = token;
    this.suggestions = suggestions;
  }
}

const NAMED_MASKS: ReadonlyMap<string, GfpMask> = new Map(
  [...GFP_FLAGS, ...GFP_COMPOSITES].map((e) => [e.name, e.mask] as const),
);

const HEX_TOKEN = /^0[xX][0-9a-fA-F]+$/;
const MAX_SUGGESTIONS = 3;

// No kernel counterpart: the inverse of show_gfp_flags(), also accepting any flag or composite name
export function parseGfp(text: string): GfpMask {
  const whole = text.trim();
  if (whole === "") {
    throw new GfpParseError(`empty GFP mask (expected flag names joined by "|", a 0x hex value, or "none")`, text, "");
  }
  if (whole === EMPTY_MASK_NAME) return 0;
  const tokens = whole.split("|").map((t) => t.trim());
  let mask = 0;
  for (const [i, token] of tokens.entries()) {
    if (token === "") {
      throw new GfpParseError(`empty GFP flag name in "${text}" (token ${i + 1} of ${tokens.length})`, text, token);
    }
    mask = (mask | parseToken(token, text)) >>> 0;
  }
  return mask;
}

function parseToken(token: string, input: string): GfpMask {
  const named = NAMED_MASKS.get(token);
  if (named !== undefined) return named;
  if (token === EMPTY_MASK_NAME) {
    throw new GfpParseError(
      `"none" is the empty mask and cannot be combined with other flags in "${input}"`,
      input,
      token,
    );
  }
  if (/^0[xX]/.test(token)) {
    if (!HEX_TOKEN.test(token)) {
      throw new GfpParseError(
        `bad hex value "${token}" in GFP mask (expected 0x followed by hex digits)`,
        input,
        token,
      );
    }
    const value = Number.parseInt(token.slice(2), 16);
    if (value > 0xffffffff) {
      throw new GfpParseError(`hex value "${token}" does not fit in a 32-bit gfp_t`, input, token);
    }
    return value;
  }
  const suggestions = closeGfpNames(token);
  const hint = suggestions.length === 0 ? "" : ` (did you mean ${joinAlternatives(suggestions)}?)`;
  throw new GfpParseError(`unknown GFP flag "${token}"${hint}`, input, token, suggestions);
}

/** "NORETRY", "gfp_noretry" and "GFP_NORETRY" all mean __GFP_NORETRY to a person; compare on the core. */
function nameCore(name: string): string {
  return name.toUpperCase().replace(/^_*(GFP_)?/, "");
}

function closeGfpNames(token: string): string[] {
  const core = nameCore(token);
  // Short names tolerate one typo; longer ones two (a swap of adjacent letters counts as one).
  const limit = core.length <= 4 ? 1 : 2;
  const scored: { name: string; distance: number; order: number }[] = [];
  let order = 0;
  for (const name of NAMED_MASKS.keys()) {
    const distance = osaDistance(core, nameCore(name));
    if (distance <= limit) scored.push({ name, distance, order });
    order++;
  }
  // Only the nearest tier: "GFP_DMA31" should point at the DMA32 names, not also at GFP_DMA.
  const best = Math.min(...scored.map((s) => s.distance));
  return scored
    .filter((s) => s.distance === best)
    .sort((a, b) => a.order - b.order)
    .slice(0, MAX_SUGGESTIONS)
    .map((s) => s.name);
}

function joinAlternatives(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions. */
function osaDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

// include/linux/gfp.h gfp_migratetype()
export function gfpMigratetype(gfp: GfpMask, pageGroupByMobilityDisabled = false): Migratetype {
  // With too little memory for mobility grouping to pay off, everything shares UNMOVABLE blocks.
  if (pageGroupByMobilityDisabled) return MIGRATE_UNMOVABLE;
  // MOVABLE|RECLAIMABLE together is a VM_WARN_ON in the kernel, which then yields 3
  // (MIGRATE_HIGHATOMIC) because the shift is all it does; the model keeps that result.
  return ((gfp & GFP_MOVABLE_MASK) >>> GFP_MOVABLE_SHIFT) as Migratetype;
}

// include/linux/gfp.h gfp_migratetype() VM_WARN_ON: both mobility bits set is a caller bug
export function gfpMobilityConflict(gfp: GfpMask): boolean {
  return (gfp & GFP_MOVABLE_MASK) === GFP_MOVABLE_MASK;
}

// include/linux/gfp.h gfpflags_allow_blocking()
export function gfpflagsAllowBlocking(gfp: GfpMask): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

// include/linux/gfp.h gfp_compaction_allowed(), with CONFIG_COMPACTION=y
export function gfpCompactionAllowed(gfp: GfpMask): boolean {
  // GFP_NOIO callers cannot compact: migrating a page might itself need I/O (the gfp.h comment).
  return (gfp & __GFP_IO) !== 0;
}
