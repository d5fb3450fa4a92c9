"use client";

import { useState } from "react";
import { ZSettingsRules, fieldErrors } from "@/lib/security/input-schema";
import type { ProtectionIntent } from "@/lib/security/intent";
import type { Protection } from "@/lib/security/protections";
import { formToChanges, SETTINGS_FIELDS } from "./settings-fields";

/**
 * One protection's settings. Mounted with key = the protection's version, so a new version (a
 * save, a conflict reload, another admin's change) shows the stored values again.
 */
export function SettingsForm({
  protection,
  intent,
  pending,
  serverErrors,
  onSave,
}: {
  protection: Protection;
  intent: ProtectionIntent;
  pending: boolean;
  serverErrors: Record<string, string>;
  onSave: (changes: Record<string, unknown>) => void;
}) {
  const fields = SETTINGS_FIELDS[protection];
  const current = intent.settings as unknown as Record<string, unknown>;
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => [f.name, current[f.name] === null ? "" : String(current[f.name])])),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const shown = { ...serverErrors, ...errors };

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setNotice(null);
    const { changes, errors: parseErrors } = formToChanges(fields, values, current);
    if (Object.keys(parseErrors).length) return setErrors(parseErrors);
    const rules = ZSettingsRules[protection].safeParse({ ...current, ...changes });
    if (!rules.success) return setErrors(fieldErrors(rules.error));
    setErrors({});
    if (Object.keys(changes).length === 0) return setNotice("Nothing changed.");
    onSave(changes);
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-3 sm:grid-cols-2" aria-label={`${protection} settings`}>
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
          onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
            setValues((v) => ({ ...v, [field.name]: e.target.value }));
            setErrors(({ [field.name]: _dropped, ...rest }) => rest);
          },
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
        {shown._ && <span role="alert" className="text-sm text-red-700 dark:text-red-400">{shown._}</span>}
      </div>
    </form>
  );
}
