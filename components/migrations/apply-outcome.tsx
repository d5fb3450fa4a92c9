import type { ApplyMigrationsResult } from "@/lib/actions/migrations/apply-migrations";
import { CopyCommand } from "./copy-command";

/** What Apply did: the migrations applied and the backup; or the failure, the backup and its restore command. */
export function ApplyOutcome({ result }: { result: ApplyMigrationsResult }) {
  if (result.outcome === "applied") {
    return (
      <div role="status" data-testid="apply-outcome" data-outcome="applied" className="space-y-1 text-sm">
        <p className="font-medium">
          Applied {result.applied.length} migration{result.applied.length === 1 ? "" : "s"}:{" "}
          {result.applied.map((a) => `${a.name} (${a.ms} ms)`).join(", ") || "none"}.
        </p>
        {result.backup ? (
          <p>
            Backup taken first: <code className="break-all font-mono text-xs">{result.backup.path}</code>. To undo, on the server (with the panel stopped):{" "}
            <CopyCommand command={result.backup.restoreCommand} />
          </p>
        ) : (
          <p>No backup was taken ({result.backupSkipped === "fresh-install" ? "a fresh database has nothing to lose" : "nothing was pending"}).</p>
        )}
        <p>{result.summary}</p>
      </div>
    );
  }
  return (
    <div
      role="alert"
      data-testid="apply-outcome"
      data-outcome="failed"
      className="space-y-1 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
    >
      <p className="font-medium">Migration {result.migration} failed; it was rolled back and later ones were not run.</p>
      {result.statement && (
        <p>
          Statement: <code className="whitespace-pre-wrap break-all font-mono text-xs">{result.statement}</code>
        </p>
      )}
      <p>Database error: {result.error}</p>
      {result.backup ? (
        <p>
          The backup taken before migrating is <code className="break-all font-mono text-xs">{result.backup.path}</code>. To return to it, on the server:{" "}
          <CopyCommand command={result.backup.restoreCommand} />
        </p>
      ) : (
        <p>No backup was taken before migrating.</p>
      )}
      <p>{result.summary}</p>
    </div>
  );
}
