import type { FieldSpec, ProtectionSpec, SecuritySpec } from "./field-spec";

// Object-to-object maps over a spec that keep its keys (and their order) in the result's type.

export function mapProtections<S extends SecuritySpec, T>(spec: S, fn: (protection: S[keyof S], name: keyof S & string) => T): { [P in keyof S]: T } {
  return Object.fromEntries(Object.entries(spec).map(([name, protection]) => [name, fn(protection as S[keyof S], name as keyof S & string)])) as {
    [P in keyof S]: T;
  };
}

export function mapFields<P extends ProtectionSpec, T>(protection: P, fn: (field: FieldSpec, name: string) => T): { [K in keyof P["fields"]]: T } {
  return Object.fromEntries(Object.entries(protection.fields).map(([name, field]) => [name, fn(field, name)])) as { [K in keyof P["fields"]]: T };
}
