/**
 * gfpcheck replay FILE [--policy ID|FILE] [--events N] [--color] [--html] [--json]
 *
 * Replays a saved case step by step (cli/report/replay-model.ts), printed as text
 * (replay-text.ts) or JSON, optionally written as an HTML page with a step slider
 * (replay-html.ts).
 */

import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import { builtinPolicy } from "../../model/policies/index.js";
import type { Policy } from "../../model/policies/policy.js";
import { KNOWN_POLICIES } from "../../properties/registry.js";
import { parseRegression, type RegressionCase, RegressionFileError } from "../../properties/regression-file.js";
import { parseContext } from "../../properties/regression-store.js";
import { intFlag, parseArgs, UsageError } from "../args.js";
import { resolvePolicy } from "../policy-file.js";
import { MAP_PAGE_CELLS_MAX } from "../report/memory-map.js";
import { replayHtml } from "../report/replay-html.js";
import { replayCase, replayJson } from "../report/replay-model.js";
import { replayText } from "../report/replay-text.js";
import { writeReportFile } from "../write-report.js";
import type { CommandContext } from "./context.js";

const DEFAULT_EVENTS_PER_STEP = 40;

export const REPLAY_HELP = `gfpcheck replay — replay a saved case step by step

Usage: gfpcheck replay FILE [--policy ID|FILE] [--events N] [--color] [--html] [--json]

  FILE              a regression file, e.g. regressions/coalescing--4107910c352c.json
  --policy ID|FILE  replay the same ops under another policy, to see whether it fixes the case:
                    a built-in (${KNOWN_POLICIES.join(", ")}) or a policy file.
                    A case saved for a policy file names a policy that is not built in: give
                    that file here to replay it at all.
  --events N        trace events shown per step (default ${DEFAULT_EVENTS_PER_STEP}; the rest are counted; 0 hides them)
  --color           colour the memory map with ANSI escapes (for a terminal; off by default)
  --html            also write reports/replay-<FILE's name without .json>.html: every step's
                    memory map as SVG, a slider to move between steps, the op, events and
                    buddyinfo of the selected step (one self-contained file)
  --json            print the replay as JSON: file, policy, expected, verdict, steps (op,
                    outcome, events as ftrace lines, buddyinfo, freePages, ...), violations

Each step shows the op, its outcome, its events as ftrace lines, the zone afterwards
(/proc/buddyinfo and /proc/pagetypeinfo rows, counters), what changed, and the memory map: one
cell per page (zones up to ${MAP_PAGE_CELLS_MAX} pages) or per pageblock, 64 a line:
  . free (buddy)  p pcp list  M movable  U unmovable  R reclaimable  H highatomic (allocated
  from the reserve)  T page table  ? lost (free nowhere, allocated nowhere)  ! in two places
followed by the migratetypes of the line's pageblocks (u m r h). A per-pageblock cell shows its
dominant class, upper case when at least half the pageblock is allocated. The replay stops at
the first violation and ends with the verdict, the violated invariant and its evidence (its
pages marked ^ on the memory map).

Exit code: 0 when the file's own policy gives the file's expected verdict (a saved
counterexample still breaks the invariant it recorded), or, with --policy naming another
policy, when the replay completes, whatever its verdict (the last line says "holds under X"
or "still violated under X"); 1 when the file's own policy no longer gives its expected
verdict; 2 bad input or usage (a missing or malformed file, an unknown policy, a bad flag).`;

/** The `policy` field of a regression file's text, if it has one that is a string. */
function policyNamedIn(text: string): string | undefined {
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === "object" && json !== null && "policy" in json) {
      const policy = (json as { policy: unknown }).policy;
      return typeof policy === "string" ? policy : undefined;
    }
  } catch {
    // parseRegression() reports it, with the file named.
  }
  return undefined;
}

/**
 * Reads and parses a regression file. A case names its policy by id; one saved for a user's
 * policy file names an id that is not built in, and can be replayed only with that policy given.
 */
export function loadCase(file: string, root: string, override: Policy | undefined): RegressionCase {
  const path = isAbsolute(file) ? file : resolve(root, file);
  if (!existsSync(path)) throw new RegressionFileError(file, "", "no such file");
  if (!statSync(path).isFile()) throw new RegressionFileError(file, "", "not a file");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new RegressionFileError(file, "", `cannot read it${typeof code === "string" ? ` (${code})` : ""}`);
  }
  const base = parseContext();
  const known = new Set(base.knownPolicies);
  if (override !== undefined) known.add(override.id);
  const named = policyNamedIn(text);
  if (named !== undefined && named !== "" && !known.has(named)) {
    if (override === undefined) {
      throw new RegressionFileError(
        file,
        "policy",
        `"${named}" is not a built-in policy (built-in: ${base.knownPolicies.join(", ")}); ` +
          `the case was saved for a policy file: replay it with --policy <the file of policy "${named}">`,
      );
    }
    // Replayed under the policy given instead; the file's own is not needed.
    known.add(named);
  }
  try {
    return parseRegression(text, file, { ...base, knownPolicies: [...known] });
  } catch (error) {
    // V8's JSON.parse messages quote the text near the error, newlines and all; one line it stays.
    if (error instanceof RegressionFileError && /[\r\n]/.test(error.problem)) {
      throw new RegressionFileError(error.file, error.field, error.problem.replace(/\r?\n/g, "\\n"));
    }
    throw error;
  }
}

/** reports/replay-<name>.html, relative to the project root. */
export function htmlReportPath(file: string): string {
  return join("reports", `replay-${basename(file).replace(/\.json$/i, "")}.html`);
}

export async function replayCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs(argv, [
    { name: "policy", kind: "string" },
    { name: "events", kind: "string" },
    { name: "color", kind: "boolean" },
    { name: "html", kind: "boolean" },
    { name: "json", kind: "boolean" },
  ]);
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw new UsageError("replay: no regression file given (gfpcheck replay FILE)");
  if (extra.length > 0) throw new UsageError(`one regression file at a time; unexpected argument "${extra[0]}"`);
  const eventsPerStep = intFlag(args, "events", DEFAULT_EVENTS_PER_STEP, 0, 1_000_000);
  const policyArg = args.flags.get("policy")?.[0];
  const override = policyArg === undefined ? undefined : await resolvePolicy(policyArg, ctx.root);
  const regression = loadCase(file, ctx.root, override);
  const ownPolicy = override === undefined || override.id === regression.policy;
  const policy = override ?? builtinPolicy(regression.policy);
  // loadCase() accepts a policy that is not built in only when one was given.
  if (policy === undefined) throw new RegressionFileError(file, "policy", `"${regression.policy}" is not built in`);
  const replay = replayCase(file, regression, policy, ownPolicy);

  const json = args.booleans.has("json");
  if (json) ctx.out(JSON.stringify(replayJson(replay), null, 2));
  else for (const line of replayText(replay, { eventsPerStep, color: args.booleans.has("color") })) ctx.out(line);
  if (args.booleans.has("html")) {
    const report = htmlReportPath(file);
    writeReportFile(join(ctx.root, report), replayHtml(replay));
    // With --json, stdout stays pure JSON.
    (json ? ctx.err : ctx.out)(`report written: ${report}`);
  }
  return replay.reproduces === false ? 1 : 0;
}
