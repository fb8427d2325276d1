/**
 * Which kernel the model behaves like, where kernels differ. Every switch names the version or
 * patch it stands for; kernel-semantics.md tags the evidence for each ([V] source, [S] secondary).
 */

export interface KernelOptions {
  /**
   * "classic": __alloc_pages_slowpath() up to 6.19 [V]. "v7": the 7.0 restructuring
   * (compact_first, no early exit after a SKIPPED/DEFERRED initial compaction) [S], reconstructed
   * from the thread's diff context; see kernel-semantics.md §2.4.
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
  kernelVariant: "classic",
  highatomicNeedsMinReserve: true,
  dma32Populated: true,
  defragMode: false,
});
