import type { SecuritySpec, SettingsOf, SpecSettings } from "./field-spec";
import { mapFields, mapProtections } from "./map-spec";
import { SECURITY_SPEC, type Protection, type SettingsByProtection } from "./protections";

// What a fresh install stores (and what a missing mirror key falls back to): each field's default.

export function defaultSettingsOf<S extends SecuritySpec>(spec: S): SpecSettings<S> {
  return mapProtections(spec, (protection) => mapFields(protection, (field) => field.default) as SettingsOf<S[keyof S]>) as SpecSettings<S>;
}

export function defaultEnabledOf<S extends SecuritySpec>(spec: S): { [P in keyof S]: boolean } {
  return mapProtections(spec, (protection) => protection.enabledByDefault);
}

export const DEFAULT_SETTINGS: SettingsByProtection = defaultSettingsOf(SECURITY_SPEC);

/** Every protection is off on a fresh install. */
export const DEFAULT_ENABLED: Record<Protection, boolean> = defaultEnabledOf(SECURITY_SPEC);
