/**
 * The whole modelled machine and `step(system, op)`: the one function the property harness,
 * the CLI and the regressions drive. Pure: the input system is never modified; the result is a
 * new system, the events of the step (frozen), and what the op achieved.
 */

import { allocPages } from "./alloc-pages.js";
import type { EventSink, TraceEvent } from "./events.js";
import {
  bufferedWrite,
  emptyPageCache,
  type PageCacheConfig,
  type PageCacheState,
  truncate,
  writebackAll,
} from "./filemap.js";
import { type GfpMask, gfpMigratetype, gfpMobilityConflict } from "./gfp.js";
import { type BackgroundState, kcompactdDoWork } from "./kcompactd.js";
import { DEFAULT_KERNEL_OPTIONS, type KernelOptions } from "./kernel-options.js";
import { kswapdRun } from "./kswapd.js";
import {
  DEFAULT_MEMORY_CONFIG,
  emptyMemory,
  exit,
  fork,
  getProcess,
  type MemoryConfig,
  type MemoryState,
  type MmContext,
  rcuGracePeriod,
  spawn,
  type TouchRegion,
  touch,
} from "./memory.js";
import { IDLE_NODE, type NodeState } from "./node.js";
import { bootZone, freePages } from "./page-alloc.js";
import {
  defaultUseFor,
  emptyPageOwners,
  getAllocation,
  type PageOwners,
  type PageUse,
  recordAllocation,
  releaseAllocation,
} from "./page-owner.js";
import { drainAllPages, drainPagesZone, vmstatUpdate } from "./pcp.js";
import { baseline } from "./policies/baseline.js";
import type { Policy } from "./policies/policy.js";
import { filemapRead } from "./readahead.js";
import { type ZoneConfigInput, type ZoneState, zonePcpPages } from "./zone.js";

export interface System {
  readonly zone: ZoneState;
  readonly owners: PageOwners;
  /** kswapd and kcompactd. */
  readonly node: NodeState;
  /** Processes and their page tables. */
  readonly memory: MemoryState;
  /** Files in the page cache. */
  readonly pagecache: PageCacheState;
  readonly kernel: KernelOptions;
  /** The allocation policy under test (model/policies/). */
  readonly policy: Policy;
}

export interface WorkloadConfig {
  readonly memory?: Partial<MemoryConfig>;
  readonly pagecache?: Partial<PageCacheConfig>;
}

export interface SystemConfig {
  readonly zone?: ZoneConfigInput;
  readonly kernel?: Partial<KernelOptions>;
  readonly workload?: WorkloadConfig;
  /** Default: baseline. */
  readonly policy?: Policy;
}

/** The server process every other process is forked from (PostgreSQL's postmaster). */
export const SERVER_PID = 1;

/** include/linux/mm.h VM_READAHEAD_PAGES: the default readahead window, 128 KiB. */
const VM_READAHEAD_PAGES = 32;

/**
 * bdi->io_pages: queue_max_sectors() in pages. The block layer caps max_sectors_kb at
 * BLK_DEF_MAX_SECTORS_CAP, 2560 sectors (1280 KiB), which NVMe and SCSI disks reach: 320 pages.
 */
const DEFAULT_IO_PAGES = 320;

export type Op =
  /** alloc_pages(gfp, order) on `cpu`; `use` says what the memory is for (default: from the migratetype). */
  | {
      readonly kind: "alloc";
      readonly order: number;
      readonly gfp: GfpMask;
      readonly cpu: number;
      readonly use?: PageUse;
    }
  /** __free_pages() of an earlier allocation, on `cpu`. */
  | { readonly kind: "free"; readonly handle: number; readonly cpu: number }
  /** drain_local_pages() on one CPU, or drain_all_pages(NULL). */
  | { readonly kind: "drain"; readonly cpu: number | "all" }
  /** Time passes: the flusher writes dirty page cache back, kswapd and kcompactd run once if awake, then each CPU's vmstat worker (decay_pcp_high()). */
  | { readonly kind: "tick" }
  /** fork() of a live process; the child's pid is the next unused one. */
  | { readonly kind: "fork"; readonly parent: number; readonly cpu: number }
  /** exit() of a process: its page tables and private pages go back. */
  | { readonly kind: "exit"; readonly pid: number; readonly cpu: number }
  /** Page faults over [offset, offset + pages) of the shared buffer or the process's private heap. */
  | {
      readonly kind: "touch";
      readonly pid: number;
      readonly region: TouchRegion;
      readonly offset: number;
      readonly pages: number;
      readonly cpu: number;
    }
  /** pwrite() of [offset, offset + pages) of a file: iomap buffered write, large folios. */
  | {
      readonly kind: "write";
      readonly file: number;
      readonly offset: number;
      readonly pages: number;
      readonly cpu: number;
    }
  /** read() of [offset, offset + pages): readahead into the page cache. */
  | {
      readonly kind: "read";
      readonly file: number;
      readonly offset: number;
      readonly pages: number;
      readonly cpu: number;
    }
  /** truncate() to 0: every cached folio of the file goes back. */
  | { readonly kind: "truncate"; readonly file: number; readonly cpu: number };

export type OpKind = Op["kind"];

export type Outcome =
  | { readonly kind: "allocated"; readonly handle: number; readonly pfn: number; readonly order: number }
  | { readonly kind: "alloc-failed"; readonly order: number }
  | { readonly kind: "freed"; readonly handle: number; readonly pfn: number; readonly order: number }
  | { readonly kind: "drained"; readonly pages: number }
  | { readonly kind: "ticked"; readonly kswapdRan: boolean; readonly kcompactdRan: boolean; readonly cleaned: number }
  | { readonly kind: "forked"; readonly pid: number }
  | { readonly kind: "fork-failed"; readonly parent: number }
  | { readonly kind: "exited"; readonly pid: number; readonly freed: number }
  | {
      readonly kind: "touched";
      readonly pid: number;
      readonly ptePages: number;
      readonly dataPages: number;
      readonly failed: boolean;
    }
  | { readonly kind: "written"; readonly file: number; readonly written: number; readonly enomem: boolean }
  | { readonly kind: "read"; readonly file: number; readonly read: number }
  | { readonly kind: "truncated"; readonly file: number; readonly freed: number }
  /** The op does not make sense in this state (unknown handle, CPU out of range); nothing changed. */
  | { readonly kind: "rejected"; readonly reason: string };

export interface StepResult {
  readonly system: System;
  readonly events: readonly TraceEvent[];
  readonly outcome: Outcome;
}

/**
 * Workload defaults scaled to the zone: a shared buffer of a quarter of memory and a private
 * heap of a sixteenth per process, 512 pages per page-table page (the kernel's PTRS_PER_PTE),
 * page-cache folios from order 0 up to the THP order (MAX_PAGECACHE_ORDER).
 */
export function workloadDefaults(zone: ZoneState, workload: WorkloadConfig = {}) {
  const { nrPages, maxPageOrder, pageblockOrder, thpOrder } = zone.config;
  const memory: MemoryConfig = {
    ...DEFAULT_MEMORY_CONFIG,
    sharedBufferPages: nrPages >> 2,
    privatePages: nrPages >> 4,
    ...workload.memory,
  };
  const pagecache: PageCacheConfig = {
    minOrder: 0,
    maxOrder: Math.min(maxPageOrder, thpOrder ?? pageblockOrder),
    raPages: VM_READAHEAD_PAGES,
    ioPages: DEFAULT_IO_PAGES,
    ...workload.pagecache,
  };
  return { memory, pagecache };
}

/** Boot: free_area_init() + memblock_free_all() for the zone (bootZone), then an empty workload. */
export function initSystem(config: SystemConfig = {}): System {
  const zone = bootZone(config.zone ?? {});
  const workload = workloadDefaults(zone, config.workload);
  const system: System = {
    zone,
    owners: emptyPageOwners(zone.config.nrPages),
    node: IDLE_NODE,
    memory: emptyMemory(workload.memory),
    pagecache: emptyPageCache(workload.pagecache),
    kernel: { ...DEFAULT_KERNEL_OPTIONS, ...config.kernel },
    policy: config.policy ?? baseline,
  };
  // The server is running from the start (pid 1); everything else is forked from it.
  return spawn(system).state;
}

/**
 * The system with its zone, owners and node replaced, built as one object literal: V8 copies
 * `{ ...system, ...state }` step after step on a slow path (bench/profile.ts showed it).
 */
function withBackground(system: System, state: BackgroundState): System {
  return {
    zone: state.zone,
    owners: state.owners,
    node: state.node,
    memory: system.memory,
    pagecache: system.pagecache,
    kernel: system.kernel,
    policy: system.policy,
  };
}

function validCpu(system: System, cpu: number): boolean {
  return Number.isInteger(cpu) && cpu >= 0 && cpu < system.zone.config.nrCpus;
}

function stepAlloc(
  system: System,
  op: Extract<Op, { kind: "alloc" }>,
  events: EventSink,
): { system: System; outcome: Outcome } {
  if (!validCpu(system, op.cpu)) return { system, outcome: { kind: "rejected", reason: `no cpu ${op.cpu}` } };
  if (gfpMobilityConflict(op.gfp)) {
    return {
      system,
      outcome: {
        kind: "rejected",
        reason: "__GFP_MOVABLE and __GFP_RECLAIMABLE together (a WARN in gfp_migratetype())",
      },
    };
  }
  const result = allocPages(system, op, system.kernel, system.policy, events);
  if (result.pfn === undefined) {
    return { system: withBackground(system, result.state), outcome: { kind: "alloc-failed", order: op.order } };
  }
  const migratetype = gfpMigratetype(op.gfp);
  const recorded = recordAllocation(result.state.owners, {
    pfn: result.pfn,
    order: op.order,
    gfp: op.gfp,
    migratetype,
    use: op.use ?? defaultUseFor(migratetype),
  });
  // One System for the step: the allocator's zone and node with the owners that record the block.
  const { zone, node } = result.state;
  return {
    system: withBackground(system, { zone, owners: recorded.owners, node }),
    outcome: { kind: "allocated", handle: recorded.handle, pfn: result.pfn, order: op.order },
  };
}

function stepFree(
  system: System,
  op: Extract<Op, { kind: "free" }>,
  events: EventSink,
): { system: System; outcome: Outcome } {
  if (!validCpu(system, op.cpu)) return { system, outcome: { kind: "rejected", reason: `no cpu ${op.cpu}` } };
  const alloc = getAllocation(system.owners, op.handle);
  if (alloc === undefined) return { system, outcome: { kind: "rejected", reason: `no allocation #${op.handle}` } };
  const zone = freePages(system.zone, alloc.pfn, alloc.order, op.cpu, events);
  return {
    system: withBackground(system, { zone, owners: releaseAllocation(system.owners, op.handle), node: system.node }),
    outcome: { kind: "freed", handle: op.handle, pfn: alloc.pfn, order: alloc.order },
  };
}

function stepDrain(
  system: System,
  op: Extract<Op, { kind: "drain" }>,
  events: EventSink,
): { system: System; outcome: Outcome } {
  const before = zonePcpPages(system.zone);
  let zone: ZoneState;
  if (op.cpu === "all") {
    zone = drainAllPages(system.zone, { caller: "op" }, events);
  } else {
    if (!validCpu(system, op.cpu)) return { system, outcome: { kind: "rejected", reason: `no cpu ${op.cpu}` } };
    zone = drainPagesZone(system.zone, op.cpu, events).zone;
  }
  const after = zonePcpPages(zone);
  return {
    system: withBackground(system, { zone, owners: system.owners, node: system.node }),
    outcome: { kind: "drained", pages: before - after },
  };
}

function stepTick(system: System, events: EventSink): { system: System; outcome: Outcome } {
  const written = writebackAll(rcuGracePeriod(system, events));
  const kswapdRan = !written.state.node.kswapd.sleeping;
  let state = kswapdRun(written.state, system.kernel.defragMode, events);
  const kcompactdRan = !state.node.kcompactd.sleeping;
  if (kcompactdRan) state = kcompactdDoWork(state, system.kernel.defragMode, events);
  state = { zone: vmstatUpdate(state.zone, events), owners: state.owners, node: state.node };
  return {
    system: withBackground(written.state, state),
    outcome: { kind: "ticked", kswapdRan, kcompactdRan, cleaned: written.cleaned },
  };
}

type Stepped = { system: System; outcome: Outcome };

function mm(system: System, cpu: number, events: EventSink): MmContext {
  return { kernel: system.kernel, policy: system.policy, cpu, events };
}

function rejectCpu(system: System, cpu: number): Stepped | undefined {
  return validCpu(system, cpu) ? undefined : { system, outcome: { kind: "rejected", reason: `no cpu ${cpu}` } };
}

function stepFork(system: System, op: Extract<Op, { kind: "fork" }>, events: EventSink): Stepped {
  const bad = rejectCpu(system, op.cpu);
  if (bad) return bad;
  if (getProcess(system.memory, op.parent) === undefined) {
    return { system, outcome: { kind: "rejected", reason: `no process ${op.parent}` } };
  }
  const forked = fork(system, op.parent, mm(system, op.cpu, events));
  return {
    system: forked.state,
    outcome:
      forked.pid === undefined ? { kind: "fork-failed", parent: op.parent } : { kind: "forked", pid: forked.pid },
  };
}

function stepExit(system: System, op: Extract<Op, { kind: "exit" }>, events: EventSink): Stepped {
  const bad = rejectCpu(system, op.cpu);
  if (bad) return bad;
  if (op.pid === SERVER_PID || getProcess(system.memory, op.pid) === undefined) {
    return { system, outcome: { kind: "rejected", reason: `no process ${op.pid} to exit (the server does not)` } };
  }
  const exited = exit(system, op.pid, mm(system, op.cpu, events));
  return { system: exited.state, outcome: { kind: "exited", pid: op.pid, freed: exited.freed } };
}

function stepTouch(system: System, op: Extract<Op, { kind: "touch" }>, events: EventSink): Stepped {
  const bad = rejectCpu(system, op.cpu);
  if (bad) return bad;
  if (getProcess(system.memory, op.pid) === undefined)
    return { system, outcome: { kind: "rejected", reason: `no process ${op.pid}` } };
  const touched = touch(system, op.pid, op.region, op.offset, op.pages, mm(system, op.cpu, events));
  return {
    system: touched.state,
    outcome: {
      kind: "touched",
      pid: op.pid,
      ptePages: touched.ptePages,
      dataPages: touched.dataPages,
      failed: touched.failed,
    },
  };
}

function stepWrite(system: System, op: Extract<Op, { kind: "write" }>, events: EventSink): Stepped {
  const bad = rejectCpu(system, op.cpu);
  if (bad) return bad;
  const written = bufferedWrite(system, op.file, op.offset, op.pages, mm(system, op.cpu, events));
  return {
    system: written.state,
    outcome: { kind: "written", file: op.file, written: written.written, enomem: written.enomem },
  };
}

function stepRead(system: System, op: Extract<Op, { kind: "read" }>, events: EventSink): Stepped {
  const bad = rejectCpu(system, op.cpu);
  if (bad) return bad;
  const done = filemapRead(system, op.file, op.offset, op.pages, mm(system, op.cpu, events));
  return { system: done.state, outcome: { kind: "read", file: op.file, read: done.read } };
}

function stepTruncate(system: System, op: Extract<Op, { kind: "truncate" }>, events: EventSink): Stepped {
  const bad = rejectCpu(system, op.cpu);
  if (bad) return bad;
  const done = truncate(system, op.file, mm(system, op.cpu, events));
  return { system: done.state, outcome: { kind: "truncated", file: op.file, freed: done.freed } };
}

/** Apply one op. */
export function step(system: System, op: Op): StepResult {
  const events: EventSink = [];
  const result = dispatch(system, op, events);
  return { system: result.system, events: Object.freeze(events), outcome: result.outcome };
}

/** A switch rather than ts-pattern's match(): this runs once per op, and the switch is cheaper. */
function dispatch(system: System, op: Op, events: EventSink): Stepped {
  switch (op.kind) {
    case "alloc":
      return stepAlloc(system, op, events);
    case "free":
      return stepFree(system, op, events);
    case "drain":
      return stepDrain(system, op, events);
    case "tick":
      return stepTick(system, events);
    case "fork":
      return stepFork(system, op, events);
    case "exit":
      return stepExit(system, op, events);
    case "touch":
      return stepTouch(system, op, events);
    case "write":
      return stepWrite(system, op, events);
    case "read":
      return stepRead(system, op, events);
    case "truncate":
      return stepTruncate(system, op, events);
    default: {
      const unknown: never = op;
      throw new Error(`unknown op ${JSON.stringify(unknown)}`);
    }
  }
}
