import type { FormField } from "@/lib/security/spec";

// The settings form's text ↔ typed values. Its fields (SETTINGS_FIELDS) come from the protection
// field spec.

/** Form strings → typed changes (only fields that differ), or field errors for what is not a number. */
export function formToChanges(
  fields: FormField[],
  values: Record<string, string>,
  current: Record<string, unknown>,
): { changes: Record<string, unknown>; errors: Record<string, string> } {
  const changes: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = (values[field.name] ?? "").trim();
    let value: unknown = raw;
    if (field.kind === "integer") {
      if (!/^[+-]?\d+(\.\d+)?$/.test(raw)) {
        errors[field.name] = `${field.label} must be a number`;
        continue;
      }
      value = Number(raw);
    } else if (field.kind === "url") {
      value = raw === "" ? null : raw;
    }
    if (value !== current[field.name]) changes[field.name] = value;
  }
  return { changes, errors };
}

/** Stored settings → the strings the form shows (null is an empty field). */
export function settingsToFormValues(fields: FormField[], settings: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, settings[f.name] === null || settings[f.name] === undefined ? "" : String(settings[f.name])]));
}

/**
 * Whether the admin has unsaved edits: a field's text differs from what the form was loaded with.
 * Compared as text (trimmed), not as parsed values, so "05" for 5 is still the admin's own input
 * and is never replaced under their cursor by a poll.
 */
export function isDirty(fields: FormField[], values: Record<string, string>, loaded: Record<string, string>): boolean {
  return fields.some((f) => (values[f.name] ?? "").trim() !== (loaded[f.name] ?? "").trim());
}
