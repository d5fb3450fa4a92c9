import type { SecuritySpec } from "./field-spec";
import { mapFields, mapProtections } from "./map-spec";
import { SECURITY_SPEC } from "./protections";

// The Setting mirror's key segment of each field: `security.<protection>.<segment>`.

export function mirrorFieldKeysOf<S extends SecuritySpec>(spec: S): { [P in keyof S]: Record<string, string> } {
  return mapProtections(spec, (protection) => mapFields(protection, (field) => field.mirrorKey) as Record<string, string>);
}

export const MIRROR_FIELD_KEYS = mirrorFieldKeysOf(SECURITY_SPEC);
