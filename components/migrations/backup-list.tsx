"use client";

import { useBackups } from "../hooks/use-backups";
import { RelativeTime } from "../ui/relative-time";
import { CopyCommand } from "./copy-command";

const megabytes = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`);

/** The backups on the server, newest first, each with the exact command that restores it. */
export function BackupList() {
  const backups = useBackups();
  if (backups.isPending) return <p className="text-sm text-slate-500">Reading the backups…</p>;
  if (backups.isError && !backups.data)
    return (
      <p role="alert" className="text-sm text-amber-700">
        Cannot list the backups: {backups.error.message}
      </p>
    );
  const { dir, backups: list } = backups.data!;
  return (
    <div className="space-y-2 text-sm">
      <p className="text-slate-600 dark:text-slate-300">
        In <code className="font-mono text-xs">{dir}</code>. Restoring needs the panel stopped (it ends every session); it is done on the server.
      </p>
      {list.length === 0 ? (
        <p data-testid="no-backups">
          No backups yet. One is taken before every migration, or run <CopyCommand command="npm run cli -- backup" />
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Taken
                </th>
                <th scope="col" className="px-3 py-2">
                  Why
                </th>
                <th scope="col" className="px-3 py-2">
                  Size
                </th>
                <th scope="col" className="px-3 py-2">
                  Migrations
                </th>
                <th scope="col" className="px-3 py-2">
                  Restore
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((b) => (
                <tr key={b.path} data-testid="backup-row" className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800">
                  <td className="whitespace-nowrap px-3 py-2">
                    <RelativeTime iso={b.createdAt} />
                  </td>
                  <td className="px-3 py-2">{b.reason === "before-migrate" ? "before migrating" : "on demand"}</td>
                  <td className="px-3 py-2 tabular-nums" title={`${b.size} bytes, SHA-256 ${b.sha256}`}>
                    {megabytes(b.size)}
                  </td>
                  <td className="px-3 py-2 tabular-nums">{b.migrations.length}</td>
                  <td className="px-3 py-2">
                    <CopyCommand command={b.restoreCommand} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
