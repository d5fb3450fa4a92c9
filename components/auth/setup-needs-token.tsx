/** /setup without its one-time token: where to find it, never the form. */
export function SetupNeedsToken({ invalid }: { invalid: boolean }) {
  return (
    <section data-testid="setup-needs-token" className="space-y-3 text-sm">
      <h1 className="text-xl font-semibold">Setup needs its one-time link</h1>
      {invalid && (
        <p
          role="alert"
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
        >
          The token in this link is not valid: it was replaced, already used, or mistyped.
        </p>
      )}
      <p>
        No admin exists yet. So that whoever reaches this page first cannot make themselves the admin, creating the first one needs the setup link the panel
        printed when it started.
      </p>
      <ul className="list-disc space-y-1 pl-5">
        <li>
          In the server&apos;s log, the line with event <code>setup_token</code> holds the link (<code>…/setup?token=…</code>).
        </li>
        <li>
          On the machine that created it, the token is in the file <code>setup-token</code> of the data directory (<code>WARDEN_DATA_DIR</code>,{" "}
          <code>./data</code> by default): open <code>/setup?token=&lt;token&gt;</code>.
        </li>
        <li>
          Or, on the server: <code>npm run cli -- create-admin &lt;username&gt;</code> (the password is read from standard input).
        </li>
      </ul>
    </section>
  );
}
