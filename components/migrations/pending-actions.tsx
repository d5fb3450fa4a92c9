"use client";

import { useState } from "react";
import type { MigrationJob } from "@/lib/migrations/job";
import { Field } from "../auth/field";
import { useApplyMigrations } from "../hooks/use-apply-migrations";
import { useTestMigrations } from "../hooks/use-test-migrations";
import { ApplyOutcome } from "./apply-outcome";
import { DryRunResult } from "./dry-run-result";

const BUTTON = "rounded-md px-3 py-1.5 text-sm font-medium disabled:opacity-60";

function Progress({ job }: { job: MigrationJob | null | undefined }) {
  const text =
    !job || job.phase === "backing_up" ? "Backing up the database…" : job.current ? `Applying ${job.current}… (${job.applied.length} done)` : "Applying…";
  return (
    <p role="status" data-testid="apply-progress" className="text-sm">
      {text}
    </p>
  );
}

/**
 * Pending migrations on the health page: Test on a copy (the dry run's report inline), and Apply,
 * which asks for the admin's password again, then backs up and migrates; progress while it runs.
 */
export function PendingActions({
  pending,
  job,
  onApplyingChange,
}: {
  pending: string[];
  job: MigrationJob | null | undefined;
  onApplyingChange(applying: boolean): void;
}) {
  const test = useTestMigrations();
  const apply = useApplyMigrations();
  const [confirming, setConfirming] = useState(false);
  const fieldError = apply.error && "error" in apply.error ? (apply.error as { error: { fields?: Record<string, string> } }).error.fields?.password : undefined;

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const password = String(new FormData(form).get("apply-password") ?? "");
    onApplyingChange(true);
    try {
      await apply.mutateAsync(password).then(
        () => {
          form.reset();
          setConfirming(false);
        },
        () => undefined,
      );
    } finally {
      onApplyingChange(false);
    }
  }

  return (
    <section
      aria-labelledby="pending-title"
      data-testid="pending-actions"
      className="space-y-3 rounded-lg border border-amber-300 bg-white p-4 dark:border-amber-800 dark:bg-slate-900"
    >
      <h2 id="pending-title" className="text-lg font-semibold">
        {pending.length > 0
          ? `${pending.length} pending migration${pending.length === 1 ? "" : "s"}`
          : apply.data?.outcome === "failed"
            ? "A migration failed"
            : apply.data?.outcome === "applied"
              ? "Migrations applied"
              : "No pending migrations"}
      </h2>
      {pending.length > 0 && (
        <>
          <p className="text-sm">
            <span className="font-mono text-xs">{pending.join(", ")}</span>. Test them on a throwaway copy first; Apply backs the database up, then applies them
            under the migration lock (one replica at a time).
          </p>
          <div className="flex flex-wrap gap-2">
            <button
              type="button"
              onClick={() => test.mutate()}
              disabled={test.isPending || apply.isPending}
              className={`${BUTTON} border border-slate-300 dark:border-slate-600`}
            >
              {test.isPending ? "Testing on a copy…" : "Test on a copy"}
            </button>
            {!confirming && (
              <button
                type="button"
                onClick={() => setConfirming(true)}
                disabled={apply.isPending}
                className={`${BUTTON} bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900`}
              >
                Apply…
              </button>
            )}
          </div>
        </>
      )}
      {test.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {test.error.message}
        </p>
      )}
      {test.data && <DryRunResult report={test.data} />}
      {confirming && (
        <form onSubmit={submit} noValidate className="max-w-sm space-y-2" aria-label="Confirm applying the migrations">
          <Field
            id="apply-password"
            label="Your password"
            type="password"
            autoComplete="current-password"
            error={fieldError}
            hint="Asked again before changing the schema"
          />
          {apply.error && !fieldError && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">
              {apply.error.message}
            </p>
          )}
          <div className="flex gap-2">
            <button type="submit" disabled={apply.isPending} className={`${BUTTON} bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900`}>
              {apply.isPending ? "Applying…" : "Back up and apply"}
            </button>
            <button
              type="button"
              onClick={() => setConfirming(false)}
              disabled={apply.isPending}
              className={`${BUTTON} border border-slate-300 dark:border-slate-600`}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      {apply.isPending && <Progress job={job} />}
      {apply.data && <ApplyOutcome result={apply.data} />}
    </section>
  );
}
