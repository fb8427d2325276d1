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

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedArgs {
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
      throw new UsageError(
        `${command}: unknown option --${name} (options: ${specs.map((s) => `--${s.name}`).join(", ")})`,
      );
    }
    if (spec.kind === "boolean") {
      if (eq !== -1) throw new UsageError(`${command}: --${name} takes no value`);
      booleans.add(name);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith("--")))
      throw new UsageError(`${command}: --${name} needs a value`);
    const list = flags.get(name) ?? [];
    if (list.length > 0 && !spec.repeatable) throw new UsageError(`${command}: --${name} given twice`);
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
