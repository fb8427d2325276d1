/**
 * Replays a bench trace through the pure model (`step`) or through the mutable reference
 * allocator, resolving each "free the k-th live allocation" against the replay's own live set.
 */

import { initSystem, type StepResult, type System, type SystemConfig, step } from "../model/system.js";
import { MODEL_SCOPE, ReferenceAllocator } from "../properties/reference-allocator.js";
import { type BenchOp, LiveSet } from "./trace.js";

export interface ModelRun {
  system: System;
  readonly live: LiveSet;
  allocFailures: number;
}

export interface ReferenceRun {
  readonly ref: ReferenceAllocator;
  readonly live: LiveSet;
  allocFailures: number;
}

export function startModel(config: SystemConfig): ModelRun {
  return { system: initSystem(config), live: LiveSet.empty(), allocFailures: 0 };
}

/** The reference with what the model leaves out switched off, so both do the same work. */
export function startReference(config: SystemConfig): ReferenceRun {
  return { ref: new ReferenceAllocator(config, MODEL_SCOPE), live: LiveSet.empty(), allocFailures: 0 };
}

/** A model run is a value: forking one costs a copy of the live set only. */
export function forkModel(run: ModelRun): ModelRun {
  return { system: run.system, live: run.live.clone(), allocFailures: run.allocFailures };
}

export function replayModel(run: ModelRun, ops: readonly BenchOp[]): void {
  let system = run.system;
  for (const op of ops) {
    if (op.kind === "alloc") {
      const result = step(system, op);
      system = result.system;
      if (result.outcome.kind === "allocated") run.live.add(result.outcome.handle, op.order);
      else run.allocFailures++;
    } else if (op.kind === "free") {
      const victim = run.live.take(op.pick);
      if (victim !== undefined) system = step(system, { kind: "free", handle: victim.id, cpu: op.cpu }).system;
    } else {
      system = step(system, op).system;
    }
  }
  run.system = system;
}

/**
 * Replays `ops` like replayModel() and counts the pages the model moved between the pcp lists
 * and the buddy lists (mm_page_alloc_zone_locked + mm_page_pcpu_drain events): the work per op
 * that grows with pcp batch and high. Untimed.
 */
export function countPageMoves(run: ModelRun, ops: readonly BenchOp[]): number {
  let moves = 0;
  const count = (events: StepResult["events"]) => {
    for (const e of events) if (e.name === "mm_page_alloc_zone_locked" || e.name === "mm_page_pcpu_drain") moves++;
  };
  let system = run.system;
  for (const op of ops) {
    if (op.kind === "alloc") {
      const result = step(system, op);
      count(result.events);
      system = result.system;
      if (result.outcome.kind === "allocated") run.live.add(result.outcome.handle, op.order);
      else run.allocFailures++;
    } else if (op.kind === "free") {
      const victim = run.live.take(op.pick);
      if (victim === undefined) continue;
      const result = step(system, { kind: "free", handle: victim.id, cpu: op.cpu });
      count(result.events);
      system = result.system;
    } else {
      const result = step(system, op);
      count(result.events);
      system = result.system;
    }
  }
  run.system = system;
  return moves;
}

export function replayReference(run: ReferenceRun, ops: readonly BenchOp[]): void {
  const { ref, live } = run;
  for (const op of ops) {
    if (op.kind === "alloc") {
      const pfn = ref.alloc(op.order, op.gfp, op.cpu);
      if (pfn !== undefined) live.add(pfn, op.order);
      else run.allocFailures++;
    } else if (op.kind === "free") {
      const victim = live.take(op.pick);
      if (victim !== undefined) ref.free(victim.id, victim.order, op.cpu);
    } else if (op.cpu === "all") {
      ref.drainAll();
    } else {
      ref.drainCpu(op.cpu);
    }
  }
}
