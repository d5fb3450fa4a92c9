import type { SecuritySpec } from "./field-spec";
import { mapFields, mapProtections } from "./map-spec";
import { SECURITY_SPEC } from "./protections";

// The Setting mirror's key segment of each field: `security.<protection>.<segment>`.

export function mirrorFieldKeysOf<S extends SecuritySpec>(spec: S): { [P in keyof S]: Record<string, string> } {
  return mapProtections(spec, (protection) => mapFields(protection, (field) => field.mirrorKey) as Record<string, string>);
}

export const MIRROR_FIELD_KEYS = mirrorFieldKeysOf(SECURITY_SPEC);

/** The whole mirror keys of retired columns (`security.rate_limit.requests`): no setting reads them any more. */
export function retiredMirrorKeysOf(spec: SecuritySpec): string[] {
  return Object.entries(spec).flatMap(([name, protection]) => Object.values(protection.retired ?? {}).map((r) => `security.${name}.${r.mirrorKey}`));
}

export const RETIRED_MIRROR_KEYS = retiredMirrorKeysOf(SECURITY_SPEC);
