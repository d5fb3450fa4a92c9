import { CopyCommand } from "./copy-command";

/**
 * For the reduced view (nobody can sign in to use Test on a copy and Apply): the same steps on the
 * server's command line.
 */
export function CliSafetyCommands() {
  return (
    <section
      data-testid="cli-safety-commands"
      className="mx-auto max-w-2xl space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <h2 className="font-semibold">On the server</h2>
      <p>
        Test the pending migrations on a throwaway copy first: <CopyCommand command="npm run cli -- migrate --dry-run" />
      </p>
      <p>
        Apply them (a backup is taken first): <CopyCommand command="npm run cli -- migrate" />
      </p>
      <p>
        Go back to the last backup (with the panel stopped): <CopyCommand command="npm run cli -- restore --latest" />
      </p>
    </section>
  );
}
