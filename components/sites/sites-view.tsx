"use client";

import { useState } from "react";
import { createSiteAction, removeExclusionAction, removeSiteAction, updateSiteAction } from "@/lib/actions/sites";
import type { SitesView as SitesData } from "@/lib/actions/sites/sites-queries";
import type { SiteRecord } from "@/lib/sites/site-read";
import { useSiteMutation, useSites } from "../hooks/use-sites";
import { ActionFailure } from "../hooks/use-protection-mutation";
import { Badge } from "../ui/badge";
import { StaleNotice, StaleProvider, useStaleReport } from "../ui/stale-notice";
import { useToast } from "../ui/toast";
import { SiteForm, toInput, type SiteFormValues } from "./site-form";
import { UpstreamStatus } from "./upstream-status";

type Editing = { kind: "new" } | { kind: "edit"; site: SiteRecord } | null;

/** A refusal's fields, keyed as the form names them (hosts.1 → hosts, maxBodyBytes → maxBodyMb). */
function formErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ActionFailure)) return { _: (error as Error).message };
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(error.error.fields ?? {})) {
    const head = path.split(".")[0]!;
    const field = head === "maxBodyBytes" ? "maxBodyMb" : head === "request" ? "_" : head;
    out[field] ??= message;
  }
  if (Object.keys(out).length === 0) out._ = error.message;
  return out;
}

export function SitesView({ initial }: { initial: SitesData }) {
  return (
    <StaleProvider>
      <SitesContent initial={initial} />
    </StaleProvider>
  );
}

function SitesContent({ initial }: { initial: SitesData }) {
  const sites = useSites(initial);
  useStaleReport("sites", "sites", sites);
  const [editing, setEditing] = useState<Editing>(null);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  const create = useSiteMutation(createSiteAction);
  const update = useSiteMutation(updateSiteAction);
  const remove = useSiteMutation(removeSiteAction);
  const include = useSiteMutation(removeExclusionAction);
  const pending = create.isPending || update.isPending || remove.isPending;
  const view = sites.data ?? initial;
  const list = view.sites;

  function save(values: SiteFormValues) {
    setServerErrors({});
    const input = toInput(values);
    const done = {
      onSuccess: () => {
        toast(editing?.kind === "edit" ? `Saved ${input.hosts[0]}.` : `Added ${input.hosts[0]}.`, "success");
        setEditing(null);
      },
      onError: (error: unknown) => setServerErrors(formErrors(error)),
    };
    if (editing?.kind === "edit") update.mutate({ id: editing.site.id, expectedVersion: editing.site.version, fields: input }, done);
    else create.mutate(input, done);
  }

  function removeSite(site: SiteRecord) {
    if (!window.confirm(`Remove ${site.hosts.join(", ")}? The edge stops serving these host names (unknown hosts get 404).`)) return;
    remove.mutate(
      { id: site.id, expectedVersion: site.version },
      {
        onSuccess: () => toast(`Removed ${site.hosts[0]}.`, "success"),
        onError: (error) => toast((error as Error).message, "error"),
      },
    );
  }

  function applyRuleAgain(site: SiteRecord, ruleId: number) {
    if (!window.confirm(`Apply rule ${ruleId} to ${site.hosts.join(", ")} again? Requests it matches count towards blocking again.`)) return;
    include.mutate(
      { siteId: site.id, ruleId },
      {
        onSuccess: () => toast(`Rule ${ruleId} applies to ${site.hosts[0]} again.`, "success"),
        onError: (error) => toast((error as Error).message, "error"),
      },
    );
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold">Sites</h1>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          <StaleNotice />
        </p>
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-300">
        The sites the edge proxies. Each change is a commit of security intent, audited and applied to the edge.
      </p>
      {!view.edgeInstalled && (
        <p
          role="status"
          data-testid="edge-not-installed"
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
        >
          The edge is not installed ({view.edgeMissing}): run <code className="font-mono">bash scripts/install-edge.sh</code> (as root). Sites are kept, but
          nothing serves them until then.
        </p>
      )}
      {editing ? (
        <section aria-label={editing.kind === "edit" ? "Edit site" : "New site"} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
          <SiteForm
            key={editing.kind === "edit" ? `${editing.site.id}-${editing.site.version}` : "new"}
            site={editing.kind === "edit" ? editing.site : null}
            pending={pending}
            serverErrors={serverErrors}
            onSave={save}
            onCancel={() => {
              setEditing(null);
              setServerErrors({});
            }}
          />
        </section>
      ) : (
        <button
          type="button"
          onClick={() => setEditing({ kind: "new" })}
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900"
        >
          Add a site
        </button>
      )}
      {list.length === 0 ? (
        <p data-testid="no-sites" className="text-sm text-slate-600 dark:text-slate-300">
          No site yet: the edge answers every host with 404 until you add one.
        </p>
      ) : (
        <table className="w-full text-left text-sm" data-testid="sites-table">
          <thead className="text-xs uppercase text-slate-500 dark:text-slate-400">
            <tr>
              <th className="py-2 pr-3">Host names</th>
              <th className="py-2 pr-3">Upstream</th>
              <th className="py-2 pr-3">WAF</th>
              <th className="py-2 pr-3">Rate limit</th>
              <th className="py-2 pr-3">Served</th>
              <th className="py-2">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((site) => (
              <tr key={site.id} data-testid="site-row" data-host={site.hosts[0]} className="border-t border-slate-200 align-top dark:border-slate-800">
                <td className="py-2 pr-3 font-mono text-xs">
                  {site.hosts.map((h) => (
                    <div key={h}>{h}</div>
                  ))}
                </td>
                <td className="py-2 pr-3 font-mono text-xs">
                  {site.upstream}
                  {site.upstream.startsWith("https://") && !site.tlsVerify && (
                    <div className="mt-1">
                      <Badge tone="amber">TLS not verified</Badge>
                    </div>
                  )}
                  <div className="mt-1 font-sans">
                    <UpstreamStatus site={site} health={view.health[site.id]} />
                  </div>
                </td>
                <td className="py-2 pr-3">
                  {site.waf === "off" ? <Badge tone="amber">off for this site</Badge> : "inherit"}
                  {site.exclusions.length > 0 && (
                    <div className="mt-1 flex flex-wrap items-center gap-1 text-xs text-slate-500 dark:text-slate-400" data-testid="site-exclusions">
                      excluded rules:
                      {site.exclusions.map((e) => (
                        <span key={e.ruleId} className="inline-flex items-center gap-1 rounded bg-slate-100 px-1.5 py-0.5 font-mono dark:bg-slate-800">
                          {e.ruleId}
                          <button
                            type="button"
                            onClick={() => applyRuleAgain(site, e.ruleId)}
                            disabled={include.isPending}
                            aria-label={`Apply rule ${e.ruleId} to ${site.hosts[0]} again`}
                            title={e.reason ?? undefined}
                            className="font-sans text-slate-500 underline hover:text-slate-900 dark:hover:text-slate-100"
                          >
                            ×
                          </button>
                        </span>
                      ))}
                    </div>
                  )}
                </td>
                <td className="py-2 pr-3">{site.rateLimit === "off" ? <Badge tone="amber">off for this site</Badge> : "inherit"}</td>
                <td className="py-2 pr-3">{site.enabled ? "enabled" : <Badge tone="grey">disabled</Badge>}</td>
                <td className="py-2 text-right whitespace-nowrap">
                  <button type="button" className="mr-3 underline" disabled={pending} onClick={() => setEditing({ kind: "edit", site })}>
                    Edit<span className="sr-only"> {site.hosts[0]}</span>
                  </button>
                  <button type="button" className="text-red-700 underline dark:text-red-400" disabled={pending} onClick={() => removeSite(site)}>
                    Remove<span className="sr-only"> {site.hosts[0]}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
