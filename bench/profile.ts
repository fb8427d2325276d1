/**
 * One bench size, model only, for profiling: `node --cpu-prof --import tsx bench/profile.ts 20`
 * (a zone of 2^20 pages; add `pinned` to pin pcp batch/high at 15/160 as bench table (b) does,
 * and/or a round count, default 5). Prints the CPU ns per op of each round; the first round includes
 * warm-up. Open the .cpuprofile in Chrome DevTools, or group its samples by file.
 */

import { forkModel, replayModel, startModel } from "./replay.js";
import { makeTrace } from "./trace.js";

const [sizeArg, ...rest] = process.argv.slice(2);
const log2 = Number(sizeArg ?? 20);
const pinned = rest.includes("pinned");
const rounds = Number(rest.find((a) => /^\d+$/.test(a)) ?? 5);
const zone = { nrPages: 1 << log2, maxPageOrder: 10, pageblockOrder: 9, nrCpus: 4 };
const trace = makeTrace({ nrPages: 1 << log2, nrCpus: 4, maxPageOrder: 10, steadyOps: 20_000, seed: 0x9fc0 });
const prefilled = startModel({ zone: pinned ? { ...zone, pcpBatch: 15, pcpHigh: 160 } : zone });
replayModel(prefilled, trace.prefill);
for (let round = 0; round < rounds; round++) {
  const run = forkModel(prefilled);
  const start = process.cpuUsage();
  replayModel(run, trace.steady);
  const spent = process.cpuUsage(start);
  console.log(`round ${round}: ${(((spent.user + spent.system) * 1000) / trace.steady.length).toFixed(0)} ns/op`);
}
