/**
 * Which kernel the model behaves like, where kernels differ. Every switch names the version or
 * patch it stands for; kernel-semantics.md tags the evidence for each ([V] source, [S] secondary).
 */

export interface KernelOptions {
  /**
   * "v7" (default): __alloc_pages_slowpath() after Vlastimil Babka's three 7.0 commits
   * (compact_first, no early exit after a SKIPPED/DEFERRED initial compaction, one-shot reserves
   * retry). kernel-semantics.md §2.4 had it as [S]; the function text was since read verbatim
   * from CachyOS/linux mm/page_alloc.c @06b47f69, a 6.19-era tree carrying the commits. The
   * thread's benchmarks ran on 7.0-rc kernels and later.
   * "classic": the same function up to 6.19 [V], with the initial compaction before the retry
   * loop and the costly-__GFP_NORETRY early exit when it was SKIPPED or DEFERRED.
   */
  readonly kernelVariant: "classic" | "v7";
  /** gfp_to_alloc_flags(): ALLOC_HIGHATOMIC only with __GFP_HIGH (6.15+ stable fix) [V]. */
  readonly highatomicNeedsMinReserve: boolean;
  /**
   * alloc_flags_nofragment(): the fast path sets ALLOC_NOFRAGMENT for ZONE_NORMAL when a DMA32
   * zone exists (x86-64 and arm64 with CONFIG_ZONE_DMA32; on one node it is assumed populated).
   */
  readonly dma32Populated: boolean;
  /** vm.defrag_mode (6.15+) [S]: never fragment while reclaim and compaction can still help. */
  readonly defragMode: boolean;
}

export const DEFAULT_KERNEL_OPTIONS: KernelOptions = Object.freeze({
  kernelVariant: "v7",
  highatomicNeedsMinReserve: true,
  dma32Populated: true,
  defragMode: false,
});
