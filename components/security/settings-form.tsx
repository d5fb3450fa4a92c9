"use client";

import { useState } from "react";
import type { ProtectionIntent } from "@/lib/security/intent";
import { fieldErrors, PROTECTION_LABELS, SETTINGS_FIELDS, ZSettingsRules, type Protection } from "@/lib/security/spec";
import { clockTime } from "../ui/relative-time";
import { formToChanges, isDirty, settingsToFormValues } from "./settings-fields";

/** The admin's unsaved edits and the stored version they were made against. */
interface Draft {
  base: ProtectionIntent;
  values: Record<string, string>;
}

/**
 * One protection's settings. While the admin has unsaved edits the form keeps the version they
 * started from: a poll bringing a newer version (another tab or admin) neither wipes the edits nor
 * moves the save onto that version, so a stale edit is sent with its own `expectedVersion` and gets
 * the conflict it deserves. While nothing is edited the form follows the stored values. The card
 * remounts it after a save or a conflict, never because a poll brought a new version.
 */
export function SettingsForm({
  protection,
  intent,
  pending,
  serverErrors,
  onSave,
}: {
  protection: Protection;
  /** The latest stored intent (polled). */
  intent: ProtectionIntent;
  pending: boolean;
  serverErrors: Record<string, string>;
  onSave: (changes: Record<string, unknown>, expectedVersion: number) => void;
}) {
  const fields = SETTINGS_FIELDS[protection];
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  // Derived, not synchronised: an edit typed back to what was loaded is no longer an edit, and the
  // form follows the stored values again.
  const editing = draft !== null && isDirty(fields, draft.values, settingsToFormValues(fields, settingsOf(draft.base)));
  const base = editing ? draft.base : intent;
  const values = editing ? draft.values : settingsToFormValues(fields, settingsOf(intent));
  const current = settingsOf(base);
  const overtaken = editing && intent.version !== base.version;
  const shown = { ...serverErrors, ...errors };

  function edit(name: string, value: string) {
    setDraft({ base, values: { ...values, [name]: value } });
    setErrors(({ [name]: _dropped, ...rest }) => rest);
    setNotice(null);
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setNotice(null);
    const { changes, errors: parseErrors } = formToChanges(fields, values, current);
    if (Object.keys(parseErrors).length) return setErrors(parseErrors);
    const rules = ZSettingsRules[protection].safeParse({ ...current, ...changes });
    if (!rules.success) return setErrors(fieldErrors(rules.error));
    setErrors({});
    if (Object.keys(changes).length === 0) return setNotice("Nothing changed.");
    onSave(changes, base.version);
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-3 sm:grid-cols-2" aria-label={`${protection} settings`}>
      {overtaken && (
        <p
          role="status"
          data-testid="form-overtaken"
          className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 sm:col-span-2 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
        >
          {overtakenMessage(protection, intent)}
        </p>
      )}
      {fields.map((field) => {
        const id = `${protection}-${field.name}`;
        const error = shown[field.name];
        const common = {
          id,
          name: field.name,
          value: values[field.name] ?? "",
          disabled: pending,
          "aria-invalid": error ? true : undefined,
          "aria-describedby": `${id}-hint${error ? ` ${id}-error` : ""}`,
          onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => edit(field.name, e.target.value),
          className: `mt-1 block w-full rounded-md border bg-white px-2 py-1.5 text-sm dark:bg-slate-900 ${
            error ? "border-red-500" : "border-slate-300 dark:border-slate-700"
          }`,
        };
        return (
          <div key={field.name} className={field.kind === "url" ? "sm:col-span-2" : undefined}>
            <label htmlFor={id} className="block text-sm font-medium">
              {field.label}
            </label>
            {field.kind === "select" ? (
              <select {...common}>
                {field.options!.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : (
              <input {...common} type="text" inputMode={field.kind === "integer" ? "numeric" : "url"} autoComplete="off" />
            )}
            <p id={`${id}-hint`} className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
              {field.hint}
            </p>
            {error && (
              <p id={`${id}-error`} role="alert" className="mt-0.5 text-sm text-red-700 dark:text-red-400">
                {error}
              </p>
            )}
          </div>
        );
      })}
      <div className="flex items-center gap-3 sm:col-span-2">
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60 dark:bg-slate-100 dark:text-slate-900"
        >
          {pending ? "Saving…" : "Save settings"}
        </button>
        {notice && <span className="text-sm text-slate-600 dark:text-slate-300">{notice}</span>}
        {shown._ && (
          <span role="alert" className="text-sm text-red-700 dark:text-red-400">
            {shown._}
          </span>
        )}
      </div>
    </form>
  );
}

function settingsOf(intent: ProtectionIntent): Record<string, unknown> {
  return intent.settings as unknown as Record<string, unknown>;
}

function overtakenMessage(protection: Protection, latest: ProtectionIntent): string {
  const when = latest.changedAt ? ` at ${clockTime(latest.changedAt)}` : "";
  return `${PROTECTION_LABELS[protection]} was changed by ${latest.changedBy ?? "someone"}${when} since you started editing; saving will ask you to review.`;
}
