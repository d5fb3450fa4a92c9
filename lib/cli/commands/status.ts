import "server-only";
import { redactUrl } from "../../db-url";
import { env } from "../../env";
import { buildMigrationReport, type MigrationReport } from "../../migrations/report";

const short = (checksum: string | null) => (checksum ? checksum.slice(0, 12) : "—");

function printTable(report: MigrationReport, url: string): void {
  console.log(`Database: ${redactUrl(url)} (${report.provider}) — ${report.database.reachable ? `reachable, ${report.database.latencyMs} ms` : "UNREACHABLE"}`);
  console.log(report.summary);
  for (const reason of report.reasons.slice(1)) console.log(`  - ${reason}`);
  if (report.remedies.length > 0) {
    console.log(report.remedies.length === 1 ? "\nTo fix it, run:" : "\nTo fix it, run one of:");
    for (const r of report.remedies) console.log(`  ${r.command}\n      ${r.when}`);
  }
  if (report.migrations.length > 0) {
    console.log("");
    const width = Math.max(...report.migrations.map((m) => m.name.length), 9);
    console.log(`${"MIGRATION".padEnd(width)}  ${"STATE".padEnd(11)}  ${"APPLIED AT".padEnd(24)}  ${"MS".padStart(6)}  CHECKSUM`);
    for (const m of report.migrations) {
      console.log(
        `${m.name.padEnd(width)}  ${m.state.padEnd(11)}  ${(m.finishedAt ?? "—").padEnd(24)}  ${String(m.durationMs ?? "—").padStart(6)}  ${short(m.fileChecksum ?? m.recordedChecksum)}`,
      );
      if (m.state === "failed" && m.logs) console.log(`${"".padEnd(width)}  logs: ${m.logs.split("\n")[0]}`);
    }
  }
  if (report.schema) {
    const s = report.schema;
    const columns = s.tables.reduce((n, t) => n + t.columns.length, 0);
    console.log(
      `\nSchema: ${s.tables.length - s.missingTables.length}/${s.tables.length} tables, ${columns - s.missingColumns.length}/${columns} columns present` +
        (s.unexpectedTables.length ? `; unexpected tables: ${s.unexpectedTables.join(", ")}` : ""),
    );
  }
}

/** `status [--json]`: the migration-health report; exit 0 only when healthy. */
export async function statusCommand(args: string[]): Promise<number> {
  const url = env().DATABASE_URL;
  const unknown = args.filter((a) => a !== "--json");
  if (unknown.length) {
    console.error(`unknown status argument: ${unknown.join(" ")} (usage: npm run cli -- status [--json])`);
    return 2;
  }
  const report = await buildMigrationReport(url);
  if (args.includes("--json")) console.log(JSON.stringify(report, null, 2));
  else printTable(report, url);
  return report.status === "healthy" ? 0 : 1;
}
