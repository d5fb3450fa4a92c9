"use client";

import { useState } from "react";
import { MAX_BODY_BYTES, SITE_RATE_LIMIT_MODES, SITE_WAF_MODES, ZSiteFields } from "@/lib/sites/grammar";
import type { SiteRecord } from "@/lib/sites/site-read";

// Add or edit a site. Each field explains itself in one line; the grammar the server enforces runs here
// too, so a refused value is named beside its field before anything is sent.

export interface SiteFormValues {
  hosts: string;
  upstream: string;
  tlsVerify: boolean;
  enabled: boolean;
  maxBodyMb: string;
  waf: string;
  rateLimit: string;
}

const MB = 1024 * 1024;

export function formValues(site: SiteRecord | null): SiteFormValues {
  if (!site)
    return { hosts: "", upstream: "", tlsVerify: true, enabled: true, maxBodyMb: String(MAX_BODY_BYTES.default / MB), waf: "inherit", rateLimit: "inherit" };
  return {
    hosts: site.hosts.join("\n"),
    upstream: site.upstream,
    tlsVerify: site.tlsVerify,
    enabled: site.enabled,
    maxBodyMb: String(Math.round((site.maxBodyBytes / MB) * 1000) / 1000),
    waf: site.waf,
    rateLimit: site.rateLimit,
  };
}

/** The form's strings → the site's fields as the server takes them (host names one per line or comma). */
export function toInput(values: SiteFormValues) {
  const mb = values.maxBodyMb.trim();
  return {
    hosts: values.hosts
      .split(/[\n,]+/)
      .map((h) => h.trim())
      .filter((h) => h.length > 0),
    upstream: values.upstream.trim(),
    tlsVerify: values.tlsVerify,
    enabled: values.enabled,
    maxBodyBytes: /^[0-9]+(\.[0-9]+)?$/.test(mb) ? Math.round(Number(mb) * MB) : Number.NaN,
    waf: values.waf,
    rateLimit: values.rateLimit,
  };
}

/** Client-side check with the server's grammar: field → message. */
export function checkSite(values: SiteFormValues): Record<string, string> {
  const parsed = ZSiteFields.safeParse(toInput(values));
  if (parsed.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] === "maxBodyBytes" ? "maxBodyMb" : String(issue.path[0] ?? "_");
    errors[field] ??= issue.message;
  }
  return errors;
}

const inputClass = (error?: string) =>
  `mt-1 block w-full rounded-md border bg-white px-2 py-1.5 text-sm dark:bg-slate-900 ${error ? "border-red-500" : "border-slate-300 dark:border-slate-700"}`;

function Hint({ id, children }: { id: string; children: React.ReactNode }) {
  return (
    <p id={id} className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
      {children}
    </p>
  );
}

function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p id={id} role="alert" className="mt-0.5 text-sm text-red-700 dark:text-red-400">
      {error}
    </p>
  );
}

export function SiteForm({
  site,
  pending,
  serverErrors,
  onSave,
  onCancel,
}: {
  site: SiteRecord | null;
  pending: boolean;
  serverErrors: Record<string, string>;
  onSave: (values: SiteFormValues) => void;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<SiteFormValues>(() => formValues(site));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const shown = { ...serverErrors, ...errors };
  const edit = <K extends keyof SiteFormValues>(name: K, value: SiteFormValues[K]) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors(({ [name]: _dropped, ...rest }) => rest);
  };
  const described = (name: string) => `site-${name}-hint${shown[name] ? ` site-${name}-error` : ""}`;
  const httpsUnverified = values.upstream.trim().toLowerCase().startsWith("https://") && !values.tlsVerify;

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const found = checkSite(values);
    setErrors(found);
    if (Object.keys(found).length === 0) onSave(values);
  }

  return (
    <form onSubmit={submit} noValidate aria-label={site ? `Edit ${site.hosts[0]}` : "Add a site"} className="grid gap-3 sm:grid-cols-2">
      <div className="sm:col-span-2">
        <label htmlFor="site-hosts" className="block text-sm font-medium">
          Host names
        </label>
        <textarea
          id="site-hosts"
          rows={2}
          value={values.hosts}
          disabled={pending}
          onChange={(e) => edit("hosts", e.target.value)}
          aria-invalid={shown.hosts ? true : undefined}
          aria-describedby={described("hosts")}
          className={inputClass(shown.hosts)}
        />
        <Hint id="site-hosts-hint">One per line or comma-separated: app.example.com, or *.example.com for every subdomain.</Hint>
        <FieldError id="site-hosts-error" error={shown.hosts} />
      </div>
      <div className="sm:col-span-2">
        <label htmlFor="site-upstream" className="block text-sm font-medium">
          Upstream
        </label>
        <input
          id="site-upstream"
          type="text"
          inputMode="url"
          autoComplete="off"
          value={values.upstream}
          disabled={pending}
          onChange={(e) => edit("upstream", e.target.value)}
          aria-invalid={shown.upstream ? true : undefined}
          aria-describedby={described("upstream")}
          className={inputClass(shown.upstream)}
        />
        <Hint id="site-upstream-hint">Where the edge sends this site&apos;s traffic: http://host:port or https://host:port.</Hint>
        <FieldError id="site-upstream-error" error={shown.upstream} />
      </div>
      <div>
        <label htmlFor="site-maxBodyMb" className="block text-sm font-medium">
          Maximum request body (MB)
        </label>
        <input
          id="site-maxBodyMb"
          type="text"
          inputMode="decimal"
          value={values.maxBodyMb}
          disabled={pending}
          onChange={(e) => edit("maxBodyMb", e.target.value)}
          aria-invalid={shown.maxBodyMb ? true : undefined}
          aria-describedby={described("maxBodyMb")}
          className={inputClass(shown.maxBodyMb)}
        />
        <Hint id="site-maxBodyMb-hint">Larger uploads get 413 at the edge (default {MAX_BODY_BYTES.default / MB} MB).</Hint>
        <FieldError id="site-maxBodyMb-error" error={shown.maxBodyMb} />
      </div>
      <div>
        <label htmlFor="site-waf" className="block text-sm font-medium">
          WAF
        </label>
        <select
          id="site-waf"
          value={values.waf}
          disabled={pending}
          onChange={(e) => edit("waf", e.target.value)}
          aria-describedby={described("waf")}
          className={inputClass(shown.waf)}
        >
          {SITE_WAF_MODES.map((m) => (
            <option key={m} value={m}>
              {m === "inherit" ? "inherit (the WAF switch)" : "off for this site"}
            </option>
          ))}
        </select>
        <Hint id="site-waf-hint">Off only for an application the OWASP rules cannot serve.</Hint>
        <FieldError id="site-waf-error" error={shown.waf} />
      </div>
      <div>
        <label htmlFor="site-rateLimit" className="block text-sm font-medium">
          Rate limiting
        </label>
        <select
          id="site-rateLimit"
          value={values.rateLimit}
          disabled={pending}
          onChange={(e) => edit("rateLimit", e.target.value)}
          aria-describedby={described("rateLimit")}
          className={inputClass(shown.rateLimit)}
        >
          {SITE_RATE_LIMIT_MODES.map((m) => (
            <option key={m} value={m}>
              {m === "inherit" ? "inherit (the rate limiting switch)" : "off for this site"}
            </option>
          ))}
        </select>
        <Hint id="site-rateLimit-hint">Off for a site whose clients share one address or must never get 429.</Hint>
        <FieldError id="site-rateLimit-error" error={shown.rateLimit} />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={values.enabled} disabled={pending} onChange={(e) => edit("enabled", e.target.checked)} />
        Served by the edge (enabled)
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={values.tlsVerify} disabled={pending} onChange={(e) => edit("tlsVerify", e.target.checked)} />
        Verify the upstream&apos;s TLS certificate (https)
      </label>
      {httpsUnverified && (
        <p
          role="status"
          data-testid="tls-verify-warning"
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 sm:col-span-2 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
        >
          Without verification anyone on the path to the upstream can impersonate it: use this only for a self-signed upstream you trust.
        </p>
      )}
      <div className="flex items-center gap-3 sm:col-span-2">
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60 dark:bg-slate-100 dark:text-slate-900"
        >
          {pending ? "Saving…" : site ? "Save site" : "Add site"}
        </button>
        <button type="button" onClick={onCancel} disabled={pending} className="text-sm underline">
          Cancel
        </button>
        {shown._ && (
          <span role="alert" className="text-sm text-red-700 dark:text-red-400">
            {shown._}
          </span>
        )}
      </div>
    </form>
  );
}
