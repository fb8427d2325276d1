/**
 * The gfpcheck command line. Exit codes: 0 everything as expected, 1 an unexpected verdict,
 * 2 bad input or usage (one line naming the problem, never a stack trace).
 */

import { RegressionFileError } from "../properties/regression-file.js";
import { UsageError } from "./args.js";
import { CHECK_HELP, checkCommand } from "./commands/check.js";
import type { CommandContext } from "./commands/context.js";

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_BAD_INPUT = 2;

const HELP = `gfpcheck — property-based verification of Linux page-allocator policy

Usage: gfpcheck <command> [options]

Commands:
  check      run the property suite (every policy x every property) and write reports/
Run "gfpcheck <command> --help" for a command's options.`;

type Command = (argv: readonly string[], ctx: CommandContext) => number;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  check: { run: checkCommand, help: CHECK_HELP },
};

export function runCli(argv: readonly string[], ctx: CommandContext): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    ctx.out(HELP);
    return name === undefined ? EXIT_BAD_INPUT : EXIT_OK;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    ctx.err(`gfpcheck: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")})`);
    return EXIT_BAD_INPUT;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    ctx.out(command.help);
    return EXIT_OK;
  }
  try {
    return command.run(rest, ctx);
  } catch (error) {
    if (error instanceof UsageError || error instanceof RegressionFileError) {
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
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: tty ? (line) => process.stderr.write(`\r\x1b[2K${line}`) : (line) => process.stderr.write(`${line}\n`),
  };
}
