/**
 * `forking-server-checkpoint`: the workload of the May 2026 thread ("iomap: avoid compaction for
 * costly folio order allocation"), scaled down to a zone the model runs in seconds.
 *
 * A database server maps a shared buffer and forks one backend per connection. Every backend
 * that touches the buffer faults in its own PTE pages (order-0, UNMOVABLE, GFP_PGTABLE_USER) for
 * the part it touches, so page tables grow to a large share of memory; they are allocated while
 * the page cache fills memory, so they land in the holes reclaim leaves in MOVABLE pageblocks
 * and pin those blocks. Connections come and go, data is read (readahead churns the page cache),
 * WAL is appended. Then a checkpoint: bursts of large buffered writes (2 MiB, start order 9,
 * min_order 0) that want large folios the fragmented zone cannot give without work. The thread
 * measured throughput collapsing during these windows; the scenario measures its writes.
 *
 * Sizes are fractions of the zone so a test can run the same shape small.
 */

import { SERVER_PID } from "../../model/system.js";
import type { Scenario, ScenarioStep, WindowKind } from "./scenario.js";
import { type SeededRandom, seededRandom } from "./seeded-random.js";

export interface ForkingServerShape {
  readonly nrPages: number;
  readonly nrCpus: number;
  /** Connections open at any time once the server is warm. */
  readonly backends: number;
  /** Checkpoints in the run; each follows a window of transactions. */
  readonly checkpoints: number;
  /** Transactions between checkpoints. */
  readonly transactionsPerCycle: number;
  /** 2 MiB checkpoint writes per checkpoint. */
  readonly checkpointWrites: number;
}

/** x86-64 with 4 KiB pages: pageblock_order = HPAGE_PMD_ORDER = 9, MAX_PAGE_ORDER = 10. */
const PAGEBLOCK_ORDER = 9;
const MAX_PAGE_ORDER = 10;
/** The checkpoint writes 2 MiB at a time: start order 9, the mapping's max folio order. */
const CHECKPOINT_WRITE_PAGES = 1 << 9;
/**
 * The shared buffer: a quarter of memory, PostgreSQL's usual shared_buffers advice. Each
 * backend that touches all of it needs SHARED_BUFFER_SHARE * nrPages / 512 PTE pages, so page
 * tables take about backends / 2048 of memory whatever the zone size: 700 backends, about a
 * third, near the 40% the thread reported.
 */
const SHARED_BUFFER_SHARE = 1 / 4;
/** Pages of private heap each backend dirties (its stack and local buffers; one PTE page maps them). */
const BACKEND_PRIVATE_PAGES = 2;
/** Files: 0 is the WAL, 1..DATA_FILES the tables and indexes. Data files are larger than memory. */
const WAL_FILE = 0;
const DATA_FILES = 8;
/** Pages reads and writes may touch in each data file: together eight times the zone. */
const dataFilePages = (nrPages: number) => nrPages;
/** Readahead windows: the default 128 KiB read-ahead is 32 pages. */
const READ_PAGES = [4, 8, 16, 32] as const;
/** One in how many transactions closes a connection and opens a new one. */
const CONNECTION_CHURN_EVERY = 8;
/** kswapd, kcompactd and the flusher get the CPU every so many transactions. */
const TICK_EVERY_TRANSACTIONS = 16;
/**
 * vm.dirty_background_ratio's default, 10%: once that share of memory is dirty the flusher
 * starts writeback. Writes are planned in advance, so the plan counts the pages they may dirty
 * and inserts a tick (flusher, kswapd, kcompactd) at that point; this keeps the scenario's
 * shape the same at every zone size.
 */
const DIRTY_BACKGROUND_RATIO = 0.1;

export const FULL_SCALE: ForkingServerShape = Object.freeze({
  nrPages: 1 << 15,
  nrCpus: 8,
  backends: 700,
  checkpoints: 4,
  transactionsPerCycle: 400,
  checkpointWrites: 32,
});

class PlanBuilder {
  readonly steps: ScenarioStep[] = [];
  walOffset = 0;
  constructor(
    readonly shape: ForkingServerShape,
    readonly random: SeededRandom,
  ) {}

  dirtySinceTick = 0;

  push(window: WindowKind, op: ScenarioStep["op"]): void {
    this.steps.push({ window, op });
    if (op.kind === "tick") this.dirtySinceTick = 0;
    if (op.kind !== "write") return;
    this.dirtySinceTick += op.pages;
    if (this.dirtySinceTick >= this.shape.nrPages * DIRTY_BACKGROUND_RATIO) this.push(window, { kind: "tick" });
  }

  cpu(): number {
    return this.random.int(this.shape.nrCpus);
  }

  /** fork() a backend and let it touch its private heap and one page of every 2 MiB of the shared buffer. */
  openConnection(window: WindowKind, sharedBufferPages: number): void {
    this.push(window, { kind: "fork", parent: SERVER_PID, cpu: this.cpu() });
    this.push(window, {
      kind: "touch-newest",
      region: "private",
      offset: 0,
      pages: BACKEND_PRIVATE_PAGES,
      cpu: this.cpu(),
    });
    for (let table = 0; table * 512 < sharedBufferPages; table++) {
      const offset = table * 512 + this.random.int(512);
      this.push(window, { kind: "touch-newest", region: "shared", offset, pages: 1, cpu: this.cpu() });
    }
  }

  read(window: WindowKind): void {
    const pages = READ_PAGES[this.random.int(READ_PAGES.length)] as number;
    const file = 1 + this.random.int(DATA_FILES);
    const offset = this.random.int(dataFilePages(this.shape.nrPages) / pages) * pages;
    this.push(window, { kind: "read", file, offset, pages, cpu: this.cpu() });
  }

  walAppend(window: WindowKind, maxOrder: number): void {
    const pages = 1 << this.random.int(maxOrder + 1);
    this.push(window, { kind: "write", file: WAL_FILE, offset: this.walOffset, pages, cpu: this.cpu() });
    this.walOffset += pages;
  }
}

export function forkingServerPlan(shape: ForkingServerShape, seed: number): ScenarioStep[] {
  const b = new PlanBuilder(shape, seededRandom(seed));
  const sharedBufferPages = Math.floor(shape.nrPages * SHARED_BUFFER_SHARE);

  // Startup: the server faults in the shared buffer, reads warm the page cache until reclaim
  // has to make room, and connections open while reads keep going.
  b.push("startup", { kind: "touch", pick: 0, region: "shared", offset: 0, pages: sharedBufferPages, cpu: 0 });
  const warmReads = Math.ceil(shape.nrPages / 16);
  for (let i = 0; i < warmReads; i++) b.read("startup");
  for (let i = 0; i < shape.backends; i++) {
    b.openConnection("startup", sharedBufferPages);
    b.read("startup");
    b.read("startup");
    if (i % TICK_EVERY_TRANSACTIONS === 0) b.push("startup", { kind: "tick" });
  }

  for (let cycle = 0; cycle < shape.checkpoints; cycle++) {
    for (let t = 0; t < shape.transactionsPerCycle; t++) {
      b.read("transactions");
      b.walAppend("transactions", 2);
      if (t % CONNECTION_CHURN_EVERY === 0) {
        b.push("transactions", { kind: "exit", pick: b.random.int(shape.backends), cpu: b.cpu() });
        b.openConnection("transactions", sharedBufferPages);
      }
      if (t % TICK_EVERY_TRANSACTIONS === 0) b.push("transactions", { kind: "tick" });
    }
    // The checkpoint: dirty buffers written back in 2 MiB runs, WAL flushed in large chunks,
    // queries still reading.
    for (let w = 0; w < shape.checkpointWrites; w++) {
      const file = 1 + b.random.int(DATA_FILES);
      const offset = b.random.int(dataFilePages(shape.nrPages) / CHECKPOINT_WRITE_PAGES) * CHECKPOINT_WRITE_PAGES;
      b.push("checkpoint", { kind: "write", file, offset, pages: CHECKPOINT_WRITE_PAGES, cpu: b.cpu() });
      b.walAppend("checkpoint", PAGEBLOCK_ORDER);
      b.read("checkpoint");
    }
    // The checkpoint ends with its writeback: kswapd and kcompactd, woken by its writes, run
    // now, inside the measured window, rather than in the next transactions window (or never,
    // after the last checkpoint).
    b.push("checkpoint", { kind: "tick" });
    // Old WAL segments are recycled once the checkpoint is done, as the next transactions start.
    if (cycle + 1 < shape.checkpoints) {
      b.push("transactions", { kind: "truncate", file: WAL_FILE, cpu: b.cpu() });
      b.walOffset = 0;
    }
  }
  return b.steps;
}

export function forkingServerScenario(shape: ForkingServerShape = FULL_SCALE): Scenario {
  return {
    id: "forking-server-checkpoint",
    title: "Forking database server: page tables fragment memory, checkpoints want 2 MiB folios",
    description:
      `A ${(shape.nrPages * 4) / 1024} MiB zone, ${shape.nrCpus} CPUs; a shared buffer of a quarter of memory; ` +
      `${shape.backends} backends each faulting PTE pages over all of it; ${shape.checkpoints} checkpoints of ` +
      `${shape.checkpointWrites} 2 MiB writes plus WAL writes up to 2 MiB, after ${shape.transactionsPerCycle} ` +
      "transactions of reads, small WAL appends and connection churn.",
    system: {
      zone: {
        nrPages: shape.nrPages,
        pageblockOrder: PAGEBLOCK_ORDER,
        maxPageOrder: MAX_PAGE_ORDER,
        nrCpus: shape.nrCpus,
      },
      workload: {
        memory: {
          sharedBufferPages: Math.floor(shape.nrPages * SHARED_BUFFER_SHARE),
          privatePages: BACKEND_PRIVATE_PAGES,
        },
      },
    },
    measured: "checkpoint",
    plan: (seed) => forkingServerPlan(shape, seed),
  };
}
