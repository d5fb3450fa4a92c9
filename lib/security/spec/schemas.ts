import { z } from "zod";
import type { FieldSpec, ProtectionSpec, SecuritySpec, SettingsOf } from "./field-spec";
import { mapFields, mapProtections } from "./map-spec";
import { SECURITY_SPEC } from "./protections";

// The two validation layers of a settings change, derived from the spec. They are audited
// differently (ADR 002):
// 1. shape: is this a request at all? (right types, no unknown keys, small). A malformed request is
//    refused without an audit row.
// 2. rules: bounds and cross-field rules on the merged settings. A well-formed request that breaks
//    one is refused with one `rejected` audit row.
// The browser runs the rules too, so the form shows the same messages before sending.

/** A choice is a short word: longer text is not a request. */
const CHOICE_MAX_LENGTH = 32;

const number = (label: string) => z.number({ error: `${label} must be a number` });
const text = (label: string, max: number) => z.string({ error: `${label} must be text` }).max(max, `${label} must be at most ${max} characters`);

function fieldShape(field: FieldSpec): z.ZodType {
  switch (field.kind) {
    case "integer":
      return number(field.label).optional();
    case "choice":
      return text(field.label, CHOICE_MAX_LENGTH).optional();
    case "url":
      return text(field.label, field.maxLength).nullable().optional();
  }
}

/** "a or b", "a, b or c". */
const orList = (words: readonly string[]) => (words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`);

function fieldRule(field: FieldSpec): z.ZodType {
  switch (field.kind) {
    case "integer": {
      const range = `${field.label} must be between ${field.min} and ${field.max}`;
      return z.number().int(`${field.label} must be a whole number`).min(field.min, range).max(field.max, range);
    }
    case "choice":
      return z.enum(field.options, { error: `${field.label} must be ${orList(field.options)}` });
    case "url":
      return z.string().nullable();
  }
}

function protectionRules(protection: ProtectionSpec): z.ZodType {
  const fields = z.object(mapFields(protection, fieldRule));
  const rule = protection.crossFieldRule;
  if (!rule) return fields;
  return fields.superRefine((settings, ctx) => {
    const problem = rule(settings);
    if (problem) ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  });
}

/** Per protection: the partial settings a change may carry (shape only). */
export function changesShapeOf<S extends SecuritySpec>(spec: S): { [P in keyof S]: z.ZodType<Record<string, unknown>> } {
  return mapProtections(spec, (protection) => z.object(mapFields(protection, fieldShape)).strict() as z.ZodType<Record<string, unknown>>);
}

/** Per protection: the rules complete settings must pass (parsing yields the stored settings). */
export function settingsRulesOf<S extends SecuritySpec>(spec: S): { [P in keyof S]: z.ZodType<SettingsOf<S[P]>> } {
  return mapProtections(spec, (protection) => protectionRules(protection)) as { [P in keyof S]: z.ZodType<SettingsOf<S[P]>> };
}

export const ZChangesShape = changesShapeOf(SECURITY_SPEC);
export const ZSettingsRules = settingsRulesOf(SECURITY_SPEC);
