import type { MigrationEntry } from "@/lib/migrations/report";
import { RelativeTime } from "../ui/relative-time";
import { StateBadge } from "./state-badge";

export function MigrationTable({ migrations }: { migrations: MigrationEntry[] }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800">
          <tr>
            <th scope="col" className="px-3 py-2">
              Migration
            </th>
            <th scope="col" className="px-3 py-2">
              State
            </th>
            <th scope="col" className="px-3 py-2">
              Applied
            </th>
            <th scope="col" className="px-3 py-2">
              Duration
            </th>
            <th scope="col" className="px-3 py-2">
              Checksum
            </th>
          </tr>
        </thead>
        <tbody>
          {migrations.map((m) => {
            const checksum = m.fileChecksum ?? m.recordedChecksum;
            return (
              <tr key={m.name} data-testid="migration-row" className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800">
                <td className="px-3 py-2 font-mono text-xs">{m.name}</td>
                <td className="px-3 py-2">
                  <StateBadge state={m.state} />
                  {m.state === "failed" && m.logs && (
                    <details className="mt-1">
                      <summary className="cursor-pointer text-xs">logs</summary>
                      <pre className="mt-1 max-w-xl whitespace-pre-wrap text-xs">{m.logs}</pre>
                    </details>
                  )}
                  {m.state === "modified" && (
                    <span className="mt-1 block text-xs">
                      recorded {m.recordedChecksum?.slice(0, 12)}…, file {m.fileChecksum?.slice(0, 12)}…
                    </span>
                  )}
                </td>
                <td className="whitespace-nowrap px-3 py-2">{m.finishedAt ? <RelativeTime iso={m.finishedAt} /> : "—"}</td>
                <td className="px-3 py-2 tabular-nums">{m.durationMs === null ? "—" : `${m.durationMs} ms`}</td>
                <td className="px-3 py-2 font-mono text-xs" title={checksum ?? undefined}>
                  {checksum ? checksum.slice(0, 12) : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
