import type { FieldSpec, SecuritySpec } from "./field-spec";
import { mapProtections } from "./map-spec";
import { SECURITY_SPEC } from "./protections";

// The settings form's inputs, one per field, in spec order.

export interface FormField {
  name: string;
  label: string;
  kind: "select" | "integer" | "url";
  options?: readonly string[];
  hint?: string;
}

const range = (f: { min: number; max: number }) => `${f.min.toLocaleString("en")}–${f.max.toLocaleString("en")}`;

function formField(name: string, field: FieldSpec): FormField {
  switch (field.kind) {
    case "integer":
      return { name, label: field.label, kind: "integer", hint: field.help ?? range(field) };
    case "choice":
      return { name, label: field.label, kind: "select", options: field.options, hint: field.help };
    case "url":
      return { name, label: field.label, kind: "url", hint: field.help };
  }
}

export function formFieldsOf<S extends SecuritySpec>(spec: S): { [P in keyof S]: FormField[] } {
  return mapProtections(spec, (protection) => Object.entries(protection.fields).map(([name, field]) => formField(name, field)));
}

export const SETTINGS_FIELDS = formFieldsOf(SECURITY_SPEC);
