"use client";

import { DECISION_SEARCH_MAX, ORIGIN_KINDS, ORIGIN_LABELS, type DecisionListParams } from "@/lib/decisions/decision-types";

// The Decisions page's search box first (an address, a range or a scenario, any part of it), then the
// origin, type and enforcement filters and the order.

const fieldClass = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";

export interface DecisionFilterFields {
  /** What the search box holds (the list takes it once typing pauses). */
  qText: string;
  origin: DecisionListParams["origin"];
  type: string;
  enforced: DecisionListParams["enforced"];
  sort: DecisionListParams["sort"];
}

export function DecisionFilters({ fields, onChange }: { fields: DecisionFilterFields; onChange: (change: Partial<DecisionFilterFields>) => void }) {
  const active = fields.qText !== "" || fields.origin !== "" || fields.type !== "" || fields.enforced !== "";
  return (
    <form
      role="search"
      aria-label="Filter decisions"
      onSubmit={(e) => e.preventDefault()}
      className="grid grid-cols-2 gap-3 lg:grid-cols-[2fr_1fr_1fr_1fr_1fr_auto]"
    >
      <div className="col-span-2 lg:col-span-1">
        <label htmlFor="decisions-search" className="block text-sm font-medium">
          Search
        </label>
        <input
          id="decisions-search"
          type="search"
          value={fields.qText}
          maxLength={DECISION_SEARCH_MAX}
          onChange={(e) => onChange({ qText: e.target.value })}
          placeholder="address, range or scenario"
          autoComplete="off"
          spellCheck={false}
          className={fieldClass}
        />
      </div>
      <div>
        <label htmlFor="decisions-origin" className="block text-sm font-medium">
          Origin
        </label>
        <select
          id="decisions-origin"
          value={fields.origin}
          onChange={(e) => onChange({ origin: e.target.value as DecisionFilterFields["origin"] })}
          className={fieldClass}
        >
          <option value="">All origins</option>
          {ORIGIN_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {ORIGIN_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="decisions-type" className="block text-sm font-medium">
          Type
        </label>
        <select id="decisions-type" value={fields.type} onChange={(e) => onChange({ type: e.target.value })} className={fieldClass}>
          <option value="">All types</option>
          <option value="ban">ban</option>
          <option value="captcha">captcha</option>
        </select>
      </div>
      <div>
        <label htmlFor="decisions-enforced" className="block text-sm font-medium">
          At the edge
        </label>
        <select
          id="decisions-enforced"
          value={fields.enforced}
          onChange={(e) => onChange({ enforced: e.target.value as DecisionFilterFields["enforced"] })}
          className={fieldClass}
        >
          <option value="">Enforced or not</option>
          <option value="enforced">enforced</option>
          <option value="not_enforced">not enforced</option>
        </select>
      </div>
      <div>
        <label htmlFor="decisions-sort" className="block text-sm font-medium">
          Order
        </label>
        <select
          id="decisions-sort"
          value={fields.sort}
          onChange={(e) => onChange({ sort: e.target.value as DecisionFilterFields["sort"] })}
          className={fieldClass}
        >
          <option value="expires_asc">expiring first</option>
          <option value="expires_desc">expiring last</option>
          <option value="value">by value</option>
        </select>
      </div>
      <div className="flex items-start pt-6">
        <button
          type="button"
          disabled={!active}
          onClick={() => onChange({ qText: "", origin: "", type: "", enforced: "" })}
          className="rounded-md border border-slate-300 px-3 py-1.5 text-sm disabled:opacity-50 dark:border-slate-700"
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}
