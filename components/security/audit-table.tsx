"use client";

import { useState } from "react";
import { fieldLabel, fieldValue, PROTECTION_LABELS, type Protection } from "@/lib/security/spec";
import type { AuditEntry } from "@/lib/audit/list";
import { useAudit } from "../hooks/use-audit";
import { Badge, type BadgeTone } from "../ui/badge";
import { RelativeTime } from "../ui/relative-time";
import { plural } from "@/lib/plural";
import { useStaleReport } from "../ui/stale-notice";

export const AUDIT_PAGE_SIZE = 20;

const OUTCOME_TONE: Record<string, BadgeTone> = { committed: "green", rejected: "amber", rolled_back: "red" };
const ACTION_WORDS: Record<string, string> = {
  toggle: "toggle",
  update: "settings",
  initialize: "initialized from defaults",
  recover: "recovered from settings mirror",
  rollback: "rollback",
  repair_mirror: "mirror rewritten from the config",
  site_add: "site added",
  site_update: "site changed",
  site_remove: "site removed",
  site_rollback: "site change rolled back",
  verify: "protection verified",
  waf_exclusion_add: "WAF rule excluded for a site",
  waf_exclusion_remove: "WAF rule exclusion removed",
  convert_rate_limit: "converted to a rate at upgrade",
};

/** A site change: the site's first host name and what changed, in the site's own words. */
function siteSummary(entry: AuditEntry): string {
  const before = (entry.before ?? {}) as Record<string, unknown>;
  const after = (entry.after ?? {}) as Record<string, unknown>;
  const hosts = (after.hosts ?? before.hosts) as string[] | undefined;
  const name = hosts?.[0] ?? (typeof after.siteId === "number" ? `site #${after.siteId}` : "a site");
  if (entry.action === "waf_exclusion_add" || entry.action === "waf_exclusion_remove") {
    const rule = "ruleId" in after ? after.ruleId : null;
    // A rule id as the edge's logs and the Events page write it (941100, never "941,100").
    return rule === null ? name : `${name}: rule ${String(rule)}`;
  }
  if (entry.action !== "site_update" || entry.before === null) return `${name} → ${show(after.upstream ?? before.upstream)}`;
  const keys = Object.keys(after).filter((k) => k !== "id" && show(before[k]) !== show(after[k]));
  return keys.length ? `${name}: ${keys.map((k) => `${k}: ${show(before[k])} → ${show(after[k])}`).join("; ")}` : `${name}: no change`;
}

const show = fieldValue;

/** Only the fields that changed, as "field: before → after". */
function changeSummary(entry: AuditEntry): string {
  if (entry.action.startsWith("site_") || entry.action.startsWith("waf_exclusion_")) return siteSummary(entry);
  const before = (entry.before ?? {}) as Record<string, unknown>;
  const after = (entry.after ?? {}) as Record<string, unknown>;
  if (entry.action === "convert_rate_limit") {
    return `${show(before.requests)} requests per ${show(before.windowSec)} s, burst ${show(before.burst)} → ${show(after.rate)} per ${show(after.unit)}, burst ${show(after.burst)}, excess ${show(after.excess)}`;
  }
  if (entry.before === null && entry.protection === null) {
    // initialize / recover: the whole config, one protection at a time.
    return Object.entries(after)
      .map(([p, v]) => {
        const { enabled, ...settings } = (v ?? {}) as Record<string, unknown>;
        return `${PROTECTION_LABELS[p as Protection] ?? p}: ${enabled ? "on" : "off"} (${Object.entries(settings)
          .map(([k, x]) => `${fieldLabel(p, k)} ${show(x)}`)
          .join(", ")})`;
      })
      .join("; ");
  }
  if (entry.before === null) return Object.keys(after).length ? `→ ${show(after)}` : "—";
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => k in after && show(before[k]) !== show(after[k]));
  return keys.length ? keys.map((k) => `${fieldLabel(entry.protection, k)}: ${show(before[k])} → ${show(after[k])}`).join("; ") : "no change";
}

/** What the runtime did with a change (its linked runtime-result row), in one short phrase; null when nothing was recorded. */
function runtimeSummary(result: unknown): string | null {
  if (typeof result !== "object" || result === null || !("status" in result)) return null;
  const r = result as { status: string; ms?: number; error?: string; reason?: string; by?: number };
  switch (r.status) {
    case "applied":
      return typeof r.ms === "number" ? `Runtime: applied in ${r.ms} ms` : "Runtime: applied";
    case "failed":
      return `Runtime: failed${r.error ? ` (${r.error})` : ""}`;
    case "superseded":
      return `Runtime: superseded by version ${r.by ?? "a newer one"}`;
    case "not_managed":
      return `Runtime: ${r.reason ?? "not managed by Warden"}`;
    default:
      return `Runtime: ${r.status}`;
  }
}

export function AuditTable() {
  const [page, setPage] = useState(1);
  const audit = useAudit(page, AUDIT_PAGE_SIZE);
  const data = audit.data;
  const staleReported = useStaleReport("audit", "audit log", audit);
  return (
    <section aria-label="Audit log" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      {audit.isError && (!data || !staleReported) && (
        <p role="alert" className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          Could not refresh the audit log ({audit.error.message}); {data ? "showing the last entries loaded." : "try again shortly."}
        </p>
      )}
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800">
            <tr>
              <th scope="col" className="px-3 py-2">
                When
              </th>
              <th scope="col" className="px-3 py-2">
                Actor
              </th>
              <th scope="col" className="px-3 py-2">
                Protection
              </th>
              <th scope="col" className="px-3 py-2">
                Change (before → after)
              </th>
              <th scope="col" className="px-3 py-2">
                Outcome
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.entries.map((e) => (
              <tr key={e.id} className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800" data-testid="audit-row">
                <td className="whitespace-nowrap px-3 py-2">
                  <RelativeTime iso={e.at} />
                </td>
                <td className="px-3 py-2">{e.actor}</td>
                <td className="px-3 py-2">
                  {e.protection ? (PROTECTION_LABELS[e.protection as Protection] ?? e.protection) : "All"}
                  <span className="block text-xs text-slate-500">{ACTION_WORDS[e.action] ?? e.action}</span>
                </td>
                <td className="px-3 py-2 font-mono text-xs break-all">{changeSummary(e)}</td>
                <td className="px-3 py-2">
                  <Badge tone={OUTCOME_TONE[e.outcome] ?? "grey"}>{e.outcome.replace("_", " ")}</Badge>
                  {e.error && <span className="mt-1 block text-xs text-slate-600 dark:text-slate-300">{e.error}</span>}
                  {runtimeSummary(e.runtimeResult) && (
                    <span className="mt-1 block text-xs text-slate-500 dark:text-slate-400" data-testid="audit-runtime">
                      {runtimeSummary(e.runtimeResult)}
                    </span>
                  )}
                </td>
              </tr>
            ))}
            {data && data.entries.length === 0 && (
              <tr>
                <td colSpan={5} className="px-3 py-6 text-center text-slate-500">
                  No changes recorded yet.
                </td>
              </tr>
            )}
            {!data && !audit.isError && (
              <tr>
                <td colSpan={5} className="px-3 py-6 text-center text-slate-500">
                  Loading…
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav aria-label="Audit pages" className="flex items-center justify-between gap-2 border-t border-slate-200 px-3 py-2 text-sm dark:border-slate-800">
        <button type="button" disabled={page <= 1} onClick={() => setPage((p) => p - 1)} className="rounded border px-2 py-1 disabled:opacity-50">
          Newer
        </button>
        <span data-testid="audit-page">
          Page {data?.page ?? page} of {data?.pages ?? "…"} · {data ? plural(data.total, "entry", "entries") : "… entries"}
        </span>
        <button
          type="button"
          disabled={!data || page >= data.pages}
          onClick={() => setPage((p) => p + 1)}
          className="rounded border px-2 py-1 disabled:opacity-50"
        >
          Older
        </button>
      </nav>
    </section>
  );
}
