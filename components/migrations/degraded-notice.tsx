"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { HealthBody } from "@/lib/migrations/health";
import type { Remedy } from "@/lib/migrations/report";
import { useHealth } from "../hooks/use-health";
import { RemedyList } from "./remedy-list";

/**
 * Shown instead of a page while the schema is degraded. Polls /api/health; when the schema is healthy
 * again (someone ran `migrate`), the page reloads itself.
 */
export function DegradedNotice({ initial, remedies }: { initial: HealthBody; remedies: Remedy[] }) {
  const router = useRouter();
  const health = useHealth(initial);
  // Only an answer fetched after this notice appeared may reload the page (a cached "healthy" from
  // before the schema broke must not).
  const [shownAt] = useState(() => Date.now());
  const healthy = health.data?.status === "healthy" && health.dataUpdatedAt >= shownAt;
  useEffect(() => {
    if (healthy) router.refresh();
  }, [healthy, router]);
  const body = health.dataUpdatedAt >= shownAt ? (health.data ?? initial) : initial;
  return (
    <section
      role="alert"
      data-testid="degraded-notice"
      className="mx-auto max-w-2xl rounded-lg border border-red-300 bg-red-50 p-6 text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
    >
      <h1 className="mb-2 text-xl font-semibold">{healthy ? "Schema healthy again: reloading…" : "Schema degraded: the panel is paused"}</h1>
      <p className="mb-3">{body.summary}</p>
      {body.missingTables.length > 0 && <p className="mb-2 text-sm">Missing tables: {body.missingTables.join(", ")}</p>}
      {body.missingColumns.length > 0 && <p className="mb-2 text-sm">Missing columns: {body.missingColumns.join(", ")}</p>}
      {body.failedMigrations.length > 0 && (
        <p className="mb-2 text-sm">
          Failed migration: {body.failedMigrations.join(", ")} (its database error: on the Migrations page for a signed-in admin, or `npm run cli -- status`)
        </p>
      )}
      <div className="mb-3">
        <RemedyList remedies={remedies} />
      </div>
      <p className="text-sm">
        Nothing can be changed until the schema is fixed. Details:{" "}
        <Link href="/migrations" className="font-medium underline">
          Migrations
        </Link>
        . This page checks again every few seconds.
      </p>
    </section>
  );
}
