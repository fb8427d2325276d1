/**
 * Processes, their page tables, fork and exit: mm/memory.c (copy_page_range(),
 * vma_needs_copy(), __pte_alloc()) and kernel/fork.c, as far as they allocate memory.
 *
 * Every process maps one shared buffer (MAP_SHARED, like PostgreSQL's shared_buffers, backed by
 * shmem pages allocated by whoever touches a page first) and may have a private anonymous heap.
 * A page-table (PTE) page maps PTRS_PER_PTE pages and is allocated order-0 with
 * GFP_PGTABLE_USER, which is UNMOVABLE: compaction can never move it.
 *
 * fork(): copy_page_range() returns early when !vma_needs_copy(): a shared mapping without an
 * anon_vma is not copied, so the child faults its PTEs in when it touches the buffer. Private
 * mappings with an anon_vma are copied eagerly: the child gets its own PTE page for every PTE
 * table the parent has populated (the data pages are shared copy-on-write). Either way every
 * process ends up with its own page tables (kernel-semantics.md §1.5). Before that, mm_init()
 * gives the child its own top-level table: pgd_alloc(), GFP_PGTABLE_USER, order 0 (arm64 with
 * 4 KiB pages; x86-64 without PTI) or order 1 (x86-64 with PTI: PGD_ALLOCATION_ORDER).
 *
 * exit_mmap() unmaps and frees the data pages, then free_pgtables() hands the page tables to
 * the mmu_gather, which frees them after an RCU grace period (tlb_remove_table() ->
 * call_rcu(); MMU_GATHER_RCU_TABLE_FREE: x86-64 with PARAVIRT, arm64). The model's grace period
 * is the next `tick`; until then they stay allocated, so a process forked in between cannot get
 * them back. The pgd goes with the mm (mmdrop() -> pgd_free()) at once.
 *
 * Not modelled: the middle page-table levels (a PUD and a PMD page per populated 1 GiB, few
 * beside the PTE pages), the kernel stack and the slab objects of a fork, the first writer of a
 * copy-on-write page after fork being the parent rather than the child, swap.
 */

import { allocPages } from "./alloc-pages.js";
import { type EventSink, emit } from "./events.js";
import { GFP_HIGHUSER_MOVABLE, GFP_PGTABLE_USER, type GfpMask, gfpMigratetype } from "./gfp.js";
import type { BackgroundState } from "./kcompactd.js";
import type { KernelOptions } from "./kernel-options.js";
import { freePages } from "./page-alloc.js";
import { getAllocation, type PageUse, recordAllocation, releaseAllocation } from "./page-owner.js";
import { emptySparseArray, type SparseArray, sparseGet, sparseSet } from "./persistent/sparse-array.js";
import type { Policy } from "./policies/policy.js";

/** arch PTRS_PER_PTE with 4 KiB pages (x86-64, arm64): one PTE page maps 2 MiB. */
export const PTRS_PER_PTE = 512;

export interface MemoryConfig {
  /** Pages of the shared buffer every process maps. */
  readonly sharedBufferPages: number;
  /** Pages of private anonymous memory each process can touch. */
  readonly privatePages: number;
  /** Pages one PTE page maps. */
  readonly ptrsPerPte: number;
  /**
   * The order of a process's pgd: 0 on arm64 with 4 KiB pages and on x86-64 without PTI; 1 on
   * x86-64 with page-table isolation (pgd_allocation_order(): the kernel and user halves).
   */
  readonly pgdOrder: number;
}

export const DEFAULT_MEMORY_CONFIG: MemoryConfig = Object.freeze({
  sharedBufferPages: 2048,
  privatePages: 512,
  ptrsPerPte: PTRS_PER_PTE,
  pgdOrder: 0,
});

export interface Process {
  readonly pid: number;
  /**
   * The pgd page's handle. Undefined for the server: its page tables predate the model, like
   * the rest of its memory at boot.
   */
  readonly pgd: number | undefined;
  /** PTE page handle per PTRS_PER_PTE-page table of the shared buffer, once faulted in. */
  readonly sharedPtes: readonly (number | undefined)[];
  /** PTE page handle per table of the private heap. */
  readonly privatePtes: readonly (number | undefined)[];
  /** Private data page handles by page index; after fork, shared with the parent copy-on-write. */
  readonly privateData: SparseArray<number>;
  /** Private data pages this process allocated itself (and frees on exit). */
  readonly ownsPrivate: SparseArray<true>;
}

export interface MemoryState {
  readonly config: MemoryConfig;
  readonly processes: SparseArray<Process>;
  readonly nextPid: number;
  /** shmem page handle by shared-buffer page index, allocated by the first toucher. */
  readonly sharedPages: SparseArray<number>;
  /** Page tables of exited processes waiting for the RCU grace period (tlb_remove_table()). */
  readonly rcuPendingTables: readonly PendingTableFree[];
}

/** A page-table page queued by tlb_remove_table(), and the CPU whose RCU callback frees it. */
export interface PendingTableFree {
  readonly handle: number;
  readonly cpu: number;
}

const PID_CAPACITY = 1 << 20;

/** No process yet: the pid table is empty (the server is forked in by the workload). */
export function emptyMemory(config: MemoryConfig): MemoryState {
  return {
    config,
    processes: emptySparseArray(PID_CAPACITY),
    nextPid: 1,
    sharedPages: emptySparseArray(Math.max(1, config.sharedBufferPages)),
    rcuPendingTables: [],
  };
}

function tables(pages: number, ptrsPerPte: number): number {
  return Math.ceil(pages / ptrsPerPte);
}

function newProcess(pid: number, config: MemoryConfig, pgd: number | undefined): Process {
  return {
    pid,
    pgd,
    sharedPtes: new Array(tables(config.sharedBufferPages, config.ptrsPerPte)).fill(undefined),
    privatePtes: new Array(tables(config.privatePages, config.ptrsPerPte)).fill(undefined),
    privateData: emptySparseArray(Math.max(1, config.privatePages)),
    ownsPrivate: emptySparseArray(Math.max(1, config.privatePages)),
  };
}

/** The allocation context shared by the mm operations: the machine, how to allocate, the trace. */
export interface MmContext {
  readonly kernel: KernelOptions;
  readonly policy: Policy;
  readonly cpu: number;
  readonly events: EventSink;
}

export interface WithMemory extends BackgroundState {
  readonly memory: MemoryState;
}

/** Allocates one block and records its owner; undefined when the allocator fails. */
export function allocateBlock<S extends BackgroundState>(
  state: S,
  order: number,
  gfp: GfpMask,
  use: PageUse,
  ctx: MmContext,
  extra: { dirty?: boolean } = {},
): { state: S; handle: number | undefined } {
  const result = allocPages(state, { order, gfp, cpu: ctx.cpu }, ctx.kernel, ctx.policy, ctx.events);
  const next = { ...state, ...result.state };
  if (result.pfn === undefined) return { state: next, handle: undefined };
  const recorded = recordAllocation(next.owners, {
    pfn: result.pfn,
    order,
    gfp,
    migratetype: gfpMigratetype(gfp),
    use,
    ...(extra.dirty === undefined ? {} : { dirty: extra.dirty }),
  });
  return { state: { ...next, owners: recorded.owners }, handle: recorded.handle };
}

/** Frees a block by handle if it still exists (reclaim may have taken page cache already). */
export function freeBlock<S extends BackgroundState>(state: S, handle: number, cpu: number, events: EventSink): S {
  const alloc = getAllocation(state.owners, handle);
  if (alloc === undefined) return state;
  const zone = freePages(state.zone, alloc.pfn, alloc.order, cpu, events);
  return { ...state, zone, owners: releaseAllocation(state.owners, handle) };
}

function withProcess<S extends WithMemory>(state: S, process: Process): S {
  return { ...state, memory: { ...state.memory, processes: sparseSet(state.memory.processes, process.pid, process) } };
}

/** find_task_by_vpid(): the process with this pid, if it is alive. */
export function getProcess(memory: MemoryState, pid: number): Process | undefined {
  return sparseGet(memory.processes, pid);
}

/** Starts a process with nothing mapped in yet (the server, pid 1). */
export function spawn<S extends WithMemory>(state: S): { state: S; pid: number } {
  const pid = state.memory.nextPid;
  const process = newProcess(pid, state.memory.config, undefined);
  const next = { ...state, memory: { ...state.memory, nextPid: pid + 1 } };
  return { state: withProcess(next, process), pid };
}

/**
 * kernel/fork.c copy_process() -> mm_init() (pgd_alloc()) and dup_mmap() -> copy_page_range():
 * the child gets its pgd, then a PTE page for each populated table of the parent's private heap
 * (the data stays shared, copy-on-write); the shared buffer's tables are not copied. An
 * allocation failure fails the fork, and the child's mm is torn down as at exit.
 */
export function fork<S extends WithMemory>(
  state: S,
  parentPid: number,
  ctx: MmContext,
): { state: S; pid: number | undefined } {
  const parent = getProcess(state.memory, parentPid);
  if (parent === undefined) return { state, pid: undefined };
  const pid = state.memory.nextPid;
  let next: S = { ...state, memory: { ...state.memory, nextPid: pid + 1 } };
  const failed = () => {
    emit(ctx.events, { name: "fork", parent: parentPid, child: -1, pte_pages: 0 });
    return { state: next, pid: undefined };
  };
  const pgd = allocateBlock(next, state.memory.config.pgdOrder, GFP_PGTABLE_USER, "pgtable", ctx);
  next = pgd.state;
  if (pgd.handle === undefined) return failed();
  const child = newProcess(pid, state.memory.config, pgd.handle);
  const privatePtes = child.privatePtes.slice();
  for (let table = 0; table < parent.privatePtes.length; table++) {
    if (parent.privatePtes[table] === undefined) continue;
    const pte = allocateBlock(next, 0, GFP_PGTABLE_USER, "pgtable", ctx);
    next = pte.state;
    if (pte.handle === undefined) {
      next = freeMm(next, { ...child, privatePtes }, ctx).state;
      return failed();
    }
    privatePtes[table] = pte.handle;
  }
  const copied = privatePtes.filter((h) => h !== undefined).length;
  emit(ctx.events, { name: "fork", parent: parentPid, child: pid, pte_pages: copied });
  return { state: withProcess(next, { ...child, privatePtes, privateData: parent.privateData }), pid };
}

export type TouchRegion = "shared" | "private";

/**
 * Page faults over [offset, offset + pages) of a region (mm/memory.c handle_mm_fault() ->
 * __pte_alloc() and do_shared_fault()/do_anonymous_page()): a PTE page for each table not yet
 * populated, and the data page if nobody allocated it yet. Stops at the first allocation that
 * fails (the fault would end in SIGBUS or the OOM killer).
 */
export function touch<S extends WithMemory>(
  state: S,
  pid: number,
  region: TouchRegion,
  offset: number,
  pages: number,
  ctx: MmContext,
): { state: S; faulted: number; ptePages: number; dataPages: number; failed: boolean } {
  const process = getProcess(state.memory, pid);
  if (process === undefined) return { state, faulted: 0, ptePages: 0, dataPages: 0, failed: false };
  const config = state.memory.config;
  const size = region === "shared" ? config.sharedBufferPages : config.privatePages;
  const start = Math.max(0, Math.min(offset, size));
  const end = Math.max(start, Math.min(offset + pages, size));
  let next = state;
  let proc = process;
  let ptePages = 0;
  let dataPages = 0;
  let failed = false;
  for (let page = start; page < end && !failed; page++) {
    const table = Math.floor(page / config.ptrsPerPte);
    const ptes = region === "shared" ? proc.sharedPtes : proc.privatePtes;
    let newPte: number | undefined;
    if (ptes[table] === undefined) {
      const pte = allocateBlock(next, 0, GFP_PGTABLE_USER, "pgtable", ctx);
      next = pte.state;
      if (pte.handle === undefined) {
        failed = true;
        break;
      }
      newPte = pte.handle;
    }
    if (region === "shared") {
      if (sparseGet(next.memory.sharedPages, page) === undefined) {
        // A shared anonymous mapping is shmem: movable, swap-backed, and with a mapping.
        const data = allocateBlock(next, 0, GFP_HIGHUSER_MOVABLE, "shmem", ctx);
        next = data.state;
        if (data.handle === undefined) {
          // do_fault(): the PTE page __do_fault() preallocated is unused: pte_free() it.
          if (newPte !== undefined) next = freeBlock(next, newPte, ctx.cpu, ctx.events);
          failed = true;
          break;
        }
        next = {
          ...next,
          memory: { ...next.memory, sharedPages: sparseSet(next.memory.sharedPages, page, data.handle) },
        };
        dataPages++;
      }
    }
    if (newPte !== undefined) {
      // The table is populated: the shared fault installed its page, or do_anonymous_page()
      // installed the PTE page with pte_alloc() before allocating the data page.
      const updated = ptes.slice();
      updated[table] = newPte;
      proc = region === "shared" ? { ...proc, sharedPtes: updated } : { ...proc, privatePtes: updated };
      ptePages++;
    }
    if (region === "private" && sparseGet(proc.ownsPrivate, page) === undefined) {
      // First write by this process: its own page (a fresh one, or a copy-on-write break).
      const data = allocateBlock(next, 0, GFP_HIGHUSER_MOVABLE, "anon", ctx);
      next = data.state;
      if (data.handle === undefined) {
        failed = true;
        break;
      }
      proc = {
        ...proc,
        privateData: sparseSet(proc.privateData, page, data.handle),
        ownsPrivate: sparseSet(proc.ownsPrivate, page, true),
      };
      dataPages++;
    }
  }
  return { state: withProcess(next, proc), faulted: end - start, ptePages, dataPages, failed };
}

/**
 * Tears down a process's mm: mm/mmap.c exit_mmap() (unmap_vmas() frees the data pages it owns;
 * free_pgtables() queues the PTE pages for the RCU grace period), then mmdrop() -> pgd_free().
 * Returns the pages given up, now or at the grace period.
 */
function freeMm<S extends WithMemory>(state: S, process: Process, ctx: MmContext): { state: S; pages: number } {
  let next = state;
  let pages = 0;
  const release = (handle: number) => {
    const alloc = getAllocation(next.owners, handle);
    if (alloc !== undefined) pages += 2 ** alloc.order;
    next = freeBlock(next, handle, ctx.cpu, ctx.events);
  };
  for (let page = 0; page < state.memory.config.privatePages; page++) {
    if (sparseGet(process.ownsPrivate, page) === undefined) continue;
    const handle = sparseGet(process.privateData, page);
    if (handle !== undefined) release(handle);
  }
  const tables: PendingTableFree[] = [];
  for (const handle of [...process.sharedPtes, ...process.privatePtes]) {
    if (handle === undefined) continue;
    const alloc = getAllocation(next.owners, handle);
    if (alloc !== undefined) pages += 2 ** alloc.order;
    tables.push({ handle, cpu: ctx.cpu });
  }
  next = { ...next, memory: { ...next.memory, rcuPendingTables: [...next.memory.rcuPendingTables, ...tables] } };
  if (process.pgd !== undefined) release(process.pgd);
  return { state: next, pages };
}

/**
 * kernel/exit.c exit_mm() -> exit_mmap(): free the private pages it owns and the pgd; its page
 * tables follow at the next RCU grace period (rcuGracePeriod()). `freed` counts all of them.
 */
export function exit<S extends WithMemory>(state: S, pid: number, ctx: MmContext): { state: S; freed: number } {
  const process = getProcess(state.memory, pid);
  if (process === undefined) return { state, freed: 0 };
  const { state: next, pages: freed } = freeMm(state, process, ctx);
  emit(ctx.events, { name: "exit", pid, pages_freed: freed });
  return {
    state: { ...next, memory: { ...next.memory, processes: sparseSet(next.memory.processes, pid, undefined) } },
    freed,
  };
}

/**
 * The end of an RCU grace period: tlb_remove_table_rcu() frees the page tables that exit_mmap()
 * queued, each through the pcp lists of the CPU that queued it.
 */
export function rcuGracePeriod<S extends WithMemory>(state: S, events: EventSink): S {
  const pending = state.memory.rcuPendingTables;
  if (pending.length === 0) return state;
  let next: S = { ...state, memory: { ...state.memory, rcuPendingTables: [] } };
  for (const { handle, cpu } of pending) next = freeBlock(next, handle, cpu, events);
  return next;
}
