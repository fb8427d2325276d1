/**
 * The shape the issue promises for reports/check.json and `check --json` (extra keys allowed):
 * { seed, results: [ { policy, property, verdict, expected, coverage, runs, counterexample } ] }.
 * Returns the problems found, so a test can show them all.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function checkReportShapeProblems(json: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(json)) return ["top level: not an object"];
  if (typeof json.seed !== "number" || !Number.isInteger(json.seed)) problems.push("seed: not an integer");
  if (!Array.isArray(json.results)) return [...problems, "results: not an array"];
  json.results.forEach((row: unknown, i) => {
    const at = `results[${i}]`;
    if (!isRecord(row)) {
      problems.push(`${at}: not an object`);
      return;
    }
    if (typeof row.policy !== "string") problems.push(`${at}.policy: not a string`);
    if (typeof row.property !== "string") problems.push(`${at}.property: not a string`);
    if (!["holds", "violated", "inconclusive"].includes(row.verdict as string)) problems.push(`${at}.verdict`);
    if (!(row.expected === null || row.expected === "holds" || row.expected === "violated"))
      problems.push(`${at}.expected`);
    if (!isRecord(row.coverage)) problems.push(`${at}.coverage: not an object`);
    else
      for (const [label, n] of Object.entries(row.coverage))
        if (typeof n !== "number" || !Number.isInteger(n) || n < 0) problems.push(`${at}.coverage.${label}`);
    if (typeof row.runs !== "number" || !Number.isInteger(row.runs) || row.runs < 0) problems.push(`${at}.runs`);
    const cx = row.counterexample;
    if (cx !== null) {
      if (!isRecord(cx)) problems.push(`${at}.counterexample: neither null nor an object`);
      else {
        if (typeof cx.file !== "string" || cx.file === "") problems.push(`${at}.counterexample.file`);
        if (!Array.isArray(cx.ops) || cx.ops.some((op) => !isRecord(op))) problems.push(`${at}.counterexample.ops`);
      }
    }
    if (row.verdict === "violated" && cx === null) problems.push(`${at}: violated without a counterexample`);
  });
  return problems;
}
