"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { SitesView } from "@/lib/actions/sites/sites-queries";
import { fetchJson } from "@/lib/client/fetch-json";
import { siteKeys } from "@/lib/client/site-keys";
import type { VerifyRecord } from "@/lib/engine/edge/verifier";
import type { ProtectionProbe } from "@/lib/engine/edge/verify-probes";
import { useVerify } from "../hooks/use-verify";
import { Badge, type BadgeTone } from "../ui/badge";
import { clockTime } from "../ui/relative-time";

// "Verify protection": the requests an attacker would send, through the edge, to every enabled site;
// what the edge did with each. Green only for what a probe saw refused (or logged, in detect mode).

const VERDICT: Record<ProtectionProbe["verdict"], { word: string; tone: BadgeTone }> = {
  enforcing: { word: "enforcing", tone: "green" },
  detecting: { word: "detecting", tone: "green" },
  not_enforcing: { word: "not enforcing", tone: "amber" },
  not_probed: { word: "configured, not probed", tone: "grey" },
  off: { word: "off", tone: "grey" },
};

function ProbeCell({ probe }: { probe: ProtectionProbe }) {
  const v = VERDICT[probe.verdict];
  return (
    <td className="py-1.5 pr-3 align-top">
      <Badge tone={probe.ok ? v.tone : "amber"}>{v.word}</Badge>
      <span className="ml-2 text-xs text-slate-600 dark:text-slate-300">{probe.summary}</span>
    </td>
  );
}

function Result({ run }: { run: VerifyRecord }) {
  return (
    <div className="mt-3 space-y-2 text-sm" data-testid="verify-result">
      <p>
        {run.failures.length ? <Badge tone="amber">not everything enforced</Badge> : <Badge tone="green">every enabled protection seen enforced</Badge>}{" "}
        <span className="text-xs text-slate-500 dark:text-slate-400">
          at {clockTime(run.at)}, {run.ms} ms{run.generation !== null ? `, generation ${run.generation}` : ""}
        </span>
      </p>
      {run.problem && <p data-testid="verify-problem">{run.problem}</p>}
      {run.failures.length > 0 && (
        <ul className="list-disc pl-5 text-amber-900 dark:text-amber-200" data-testid="verify-failures">
          {run.failures.map((f) => (
            <li key={f} className="break-words">
              {f}
            </li>
          ))}
        </ul>
      )}
      {run.sites.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[36rem] text-left" data-testid="verify-table">
            <caption className="sr-only">What each probe saw, per site</caption>
            <thead className="border-b border-slate-200 text-xs uppercase text-slate-500 dark:border-slate-800 dark:text-slate-400">
              <tr>
                <th scope="col" className="py-1.5 pr-3">
                  Site
                </th>
                <th scope="col" className="py-1.5 pr-3">
                  WAF
                </th>
                <th scope="col" className="py-1.5 pr-3">
                  Rate limiting
                </th>
              </tr>
            </thead>
            <tbody>
              {run.sites.map((s) => (
                <tr key={s.siteId} className="border-b border-slate-100 dark:border-slate-800" data-testid="verify-site" data-host={s.host}>
                  <th scope="row" className="py-1.5 pr-3 align-top font-medium">
                    {s.host}
                    {!s.benign.ok && <span className="block text-xs text-amber-800 dark:text-amber-300">probe location: {s.benign.summary}</span>}
                  </th>
                  <ProbeCell probe={s.waf} />
                  <ProbeCell probe={s.rate} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function VerifyPanel() {
  const verify = useVerify();
  // The sites to choose from (the Sites page's own query and key).
  const sites = useQuery({ queryKey: siteKeys.list(), queryFn: ({ signal }) => fetchJson<SitesView>("/api/sites", signal), retry: 1 });
  const [siteId, setSiteId] = useState<string>("all");
  const enabled = (sites.data?.sites ?? []).filter((s) => s.enabled);
  return (
    <section
      aria-labelledby="verify-title"
      data-testid="verify-panel"
      className="mb-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h2 id="verify-title" className="text-base font-semibold">
            Verify protection
          </h2>
          <p className="text-sm text-slate-600 dark:text-slate-300">
            Sends what an attacker would through the edge to each enabled site (an attack from 127.0.0.3, a burst from 127.0.0.4) and shows what the edge did.
          </p>
        </div>
        <div className="flex items-center gap-2">
          <label className="text-sm">
            <span className="sr-only">Sites to verify</span>
            <select
              value={siteId}
              onChange={(e) => setSiteId(e.target.value)}
              className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
            >
              <option value="all">All enabled sites</option>
              {enabled.map((s) => (
                <option key={s.id} value={String(s.id)}>
                  {s.hosts[0]}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            onClick={() => verify.mutate(siteId === "all" ? undefined : Number(siteId))}
            disabled={verify.isPending}
            className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60 dark:bg-slate-100 dark:text-slate-900"
          >
            {verify.isPending ? "Verifying…" : "Verify now"}
          </button>
        </div>
      </div>
      {verify.isError && (
        <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">
          {verify.error.message}
        </p>
      )}
      {verify.data && <Result run={verify.data} />}
    </section>
  );
}
