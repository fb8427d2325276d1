/**
 * A small argument parser: `--flag value`, `--flag=value`, repeatable flags, booleans, and
 * positionals. Errors are UsageErrors, which main.ts prints as one line with exit code 2.
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** `--help` or `-h` was given: the caller prints the command's help instead of running it. */
export class HelpRequested extends Error {
  constructor() {
    super("help requested");
    this.name = "HelpRequested";
  }
}

/**
 * Is `--help` or `-h` there as an option of its own? Not when it is the value of a flag that
 * takes one (`--property -h` names a property, badly). Checked before anything else, so
 * `--bogus --help` still prints the help.
 */
function asksForHelp(argv: readonly string[], specs: readonly FlagSpec[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return true;
    if (arg.startsWith("--") && !arg.includes("=") && specs.find((s) => `--${s.name}` === arg)?.kind === "string") i++;
  }
  return false;
}

export interface FlagSpec {
  readonly name: string;
  readonly kind: "string" | "boolean";
  readonly repeatable?: boolean;
}

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, readonly string[]>;
  readonly booleans: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  if (asksForHelp(argv, specs)) throw new HelpRequested();
  const flags = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs.find((s) => s.name === name);
    if (spec === undefined) {
      throw new UsageError(`unknown option --${name} (options: ${specs.map((s) => `--${s.name}`).join(", ")})`);
    }
    if (spec.kind === "boolean") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      booleans.add(name);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    const list = flags.get(name) ?? [];
    if (list.length > 0 && !spec.repeatable) throw new UsageError(`--${name} given twice`);
    list.push(value);
    flags.set(name, list);
  }
  return { flags, booleans, positionals };
}

export function intFlag(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const text = args.flags.get(name)?.[0];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name}: expected an integer in [${min}, ${max}], got "${text}"`);
  }
  return value;
}
