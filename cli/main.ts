/**
 * The gfpcheck command line. Exit codes: 0 everything as expected, 1 an unexpected verdict,
 * 2 bad input or usage (one line naming the problem, never a stack trace).
 */

import { PolicyError } from "../model/policies/validate-policy.js";
import { RegressionFileError } from "../properties/regression-file.js";
import { HelpRequested, UsageError } from "./args.js";
import { CHECK_HELP, checkCommand } from "./commands/check.js";
import { COMPARE_HELP, compareCommand } from "./commands/compare.js";
import type { CommandContext } from "./commands/context.js";
import { MERGE_HELP, mergeCommand } from "./commands/merge.js";
import { REPLAY_HELP, replayCommand } from "./commands/replay.js";
import { VALIDATE_HELP, validateCommand } from "./commands/validate.js";

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_BAD_INPUT = 2;

const HELP = `gfpcheck — property-based verification of Linux page-allocator policy

Usage: gfpcheck <command> [options]

Commands:
  check      run the property suite (every policy x every property) and write reports/
  compare    one scenario under several policies: throughput, slow-path work, folio orders
  merge      join the JSON reports of the shards of one check (check --shard K/N)
  replay     replay a saved case step by step: events, buddyinfo, memory map, the violated invariant
  validate   your policy file against every property and scenario, as a report for a patch email
Run "gfpcheck <command> --help" for a command's options.`;

type Command = (argv: readonly string[], ctx: CommandContext) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  check: { run: checkCommand, help: CHECK_HELP },
  compare: { run: compareCommand, help: COMPARE_HELP },
  merge: { run: mergeCommand, help: MERGE_HELP },
  replay: { run: replayCommand, help: REPLAY_HELP },
  validate: { run: validateCommand, help: VALIDATE_HELP },
};

export async function runCli(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    ctx.out(HELP);
    return name === undefined ? EXIT_BAD_INPUT : EXIT_OK;
  }
  // Object.hasOwn: a name like "constructor" must not find Object.prototype's.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    ctx.err(`gfpcheck: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")})`);
    return EXIT_BAD_INPUT;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof HelpRequested) {
      ctx.out(command.help);
      return EXIT_OK;
    }
    if (error instanceof UsageError || error instanceof RegressionFileError || error instanceof PolicyError) {
      ctx.err(`gfpcheck ${name}: ${error.message}`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

/** The context of a real run: stdout/stderr, progress on one line when stderr is a terminal. */
export function terminalContext(): CommandContext {
  const tty = process.stderr.isTTY === true;
  return {
    root: process.cwd(),
    interactive: tty,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: tty ? (line) => process.stderr.write(`\r\x1b[2K${line}`) : (line) => process.stderr.write(`${line}\n`),
  };
}
