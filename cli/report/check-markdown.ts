/** reports/check.md: the policy x property matrix, then one section per result. */

import { type CheckReport, type CheckResultRow, isUnexpected } from "../check-run.js";

function cell(row: CheckResultRow): string {
  if (row.expected === null) return isUnexpected(row) ? `**${row.verdict}** (no expectation)` : `${row.verdict}`;
  return isUnexpected(row) ? `**${row.verdict}** (expected ${row.expected})` : `${row.verdict} ✓`;
}

/** The run's settings in one sentence. */
export function runSummary(report: CheckReport): string {
  const seeds = report.seeds > 1 ? `, split over ${report.seeds} seeds derived from it` : "";
  const time = report.timeLimitSeconds === null ? "" : `, at most ${report.timeLimitSeconds} s per unit`;
  return `Seed ${report.seed}, ${report.runsPerProperty} runs per property and policy${seeds}${time}.`;
}

export function checkMarkdown(report: CheckReport): string {
  const policies = [...new Set(report.results.map((r) => r.policy))];
  const properties = [...new Set(report.results.map((r) => r.property))];
  const lines: string[] = [];
  lines.push("# gfpcheck check");
  lines.push("");
  lines.push(runSummary(report));
  if (report.shard)
    lines.push(
      `This is shard ${report.shard.index} of ${report.shard.count}: partial results; \`gfpcheck merge\` joins the shards.`,
    );
  if (report.plantedFault) lines.push(`Planted fault: \`${report.plantedFault}\` (results have no expectation).`);
  const unexpected = report.results.filter(isUnexpected);
  lines.push(
    unexpected.length === 0 ? "Every verdict is as expected." : `**${unexpected.length} unexpected verdict(s).**`,
  );
  lines.push("");
  lines.push(`| property | ${policies.join(" | ")} |`);
  lines.push(`|---|${policies.map(() => "---").join("|")}|`);
  for (const property of properties) {
    const cells = policies.map((policy) => {
      const row = report.results.find((r) => r.policy === policy && r.property === property);
      return row ? cell(row) : "";
    });
    lines.push(`| ${property} | ${cells.join(" | ")} |`);
  }
  for (const row of report.results) {
    lines.push("");
    lines.push(`## ${row.property} under ${row.policy}: ${row.verdict}`);
    lines.push("");
    lines.push(
      `Situation: ${row.situation} (reached in ${row.reached} of ${row.runs} runs; ${row.minRuns} needed for "holds").`,
    );
    if (row.counterexample) {
      const file = row.counterexample.file;
      lines.push("");
      lines.push(
        `Counterexample (${row.counterexample.ops.length} ops), saved as \`${file}\`: ${row.counterexample.violation}`,
      );
      lines.push(`Replay it with \`npm run gfpcheck -- replay ${file}\`.`);
    }
    const coverage = Object.entries(row.coverage)
      .map(([label, n]) => `${label} ${n}`)
      .join(", ");
    lines.push("");
    lines.push(`Coverage (runs with each path): ${coverage === "" ? "none" : coverage}.`);
  }
  return `${lines.join("\n")}\n`;
}
