"use client";

import type { EventFilterKey } from "@/lib/client/event-keys";

// The Events page's filters: the request id search first (the id a blocked client saw on the block
// page finds its row), then site, action and rule id. Each field's own error shows beside it.

const fieldClass = (error?: string | null) =>
  `mt-1 block w-full rounded-md border bg-white px-2 py-1.5 text-sm dark:bg-slate-900 ${error ? "border-red-500" : "border-slate-300 dark:border-slate-700"}`;

function FieldError({ id, error }: { id: string; error: string | null }) {
  if (!error) return null;
  return (
    <p id={id} role="alert" className="mt-0.5 text-sm text-red-700 dark:text-red-400">
      {error}
    </p>
  );
}

export interface FilterFields extends EventFilterKey {
  /** What the rule field holds (the filter takes it once it is a rule id). */
  ruleText: string;
  /** What the search field holds (the filter takes it once typing pauses). */
  requestIdText: string;
}

export function EventFilters({
  fields,
  errors,
  sites,
  onChange,
}: {
  fields: FilterFields;
  errors: { rule: string | null; requestId: string | null };
  sites: { id: number; name: string }[];
  onChange: (change: Partial<FilterFields>) => void;
}) {
  // A host name from the URL (?site=shop.example) that the list does not name stays selectable.
  const siteOptions = fields.site === "" || sites.some((s) => String(s.id) === fields.site) ? sites : [...sites, { id: -1, name: fields.site }];
  const active = fields.site !== "" || fields.action !== "" || fields.ruleText !== "" || fields.requestIdText !== "";
  return (
    <form
      role="search"
      aria-label="Filter events"
      onSubmit={(e) => e.preventDefault()}
      className="grid gap-3 sm:grid-cols-2 lg:grid-cols-[2fr_1.5fr_1fr_1fr_auto]"
    >
      <div>
        <label htmlFor="events-request-id" className="block text-sm font-medium">
          Request id
        </label>
        <input
          id="events-request-id"
          type="search"
          value={fields.requestIdText}
          onChange={(e) => onChange({ requestIdText: e.target.value })}
          placeholder="the id on the block page, or its start"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={errors.requestId ? true : undefined}
          aria-describedby={errors.requestId ? "events-request-id-error" : undefined}
          className={fieldClass(errors.requestId)}
        />
        <FieldError id="events-request-id-error" error={errors.requestId} />
      </div>
      <div>
        <label htmlFor="events-site" className="block text-sm font-medium">
          Site
        </label>
        <select id="events-site" value={fields.site} onChange={(e) => onChange({ site: e.target.value })} className={fieldClass()}>
          <option value="">All sites</option>
          {siteOptions.map((s) => (
            <option key={s.id} value={s.id === -1 ? s.name : String(s.id)}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="events-action" className="block text-sm font-medium">
          Action
        </label>
        <select id="events-action" value={fields.action} onChange={(e) => onChange({ action: e.target.value })} className={fieldClass()}>
          <option value="">All actions</option>
          <option value="blocked">blocked</option>
          <option value="detected">detected</option>
        </select>
      </div>
      <div>
        <label htmlFor="events-rule" className="block text-sm font-medium">
          Rule id
        </label>
        <input
          id="events-rule"
          type="text"
          inputMode="numeric"
          value={fields.ruleText}
          onChange={(e) => onChange({ ruleText: e.target.value })}
          placeholder="e.g. 941100"
          autoComplete="off"
          aria-invalid={errors.rule ? true : undefined}
          aria-describedby={errors.rule ? "events-rule-error" : undefined}
          className={fieldClass(errors.rule)}
        />
        <FieldError id="events-rule-error" error={errors.rule} />
      </div>
      <div className="flex items-start sm:pt-6">
        <button
          type="button"
          disabled={!active}
          onClick={() => onChange({ site: "", action: "", ruleText: "", requestIdText: "" })}
          className="rounded-md border border-slate-300 px-3 py-1.5 text-sm disabled:opacity-50 dark:border-slate-700"
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}
