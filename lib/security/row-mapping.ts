import type { SecurityConfig } from "../generated/sqlite/client";
import type { ProtectionIntent, SecurityIntent } from "./intent";
import { intentColumnsOf, protectionRowKeys } from "./spec/columns";
import type { SpecRow } from "./spec/field-spec";
import { PROTECTIONS, SECURITY_SPEC, type Protection, type SettingsByProtection } from "./spec/protections";

export type ConfigRow = SecurityConfig;
/** The columns of SecurityConfig that hold one protection's intent (never versions or metadata). */
export type ConfigColumns = Partial<Omit<ConfigRow, "id" | "createdAt" | "updatedAt">>;

// The spec and the Prisma model describe the same row: a field added to one and not the other fails
// the type check here (the mapping below reads and writes the row by the spec's field names).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _specMatchesModel: Same<keyof SpecRow<typeof SECURITY_SPEC>, keyof SecurityConfig> = true;
const _specValuesFitModel: SpecRow<typeof SECURITY_SPEC> extends SecurityConfig ? true : false = true;

const ROW_KEYS = Object.fromEntries(PROTECTIONS.map((p) => [p, protectionRowKeys(SECURITY_SPEC[p])])) as Record<
  Protection,
  ReturnType<typeof protectionRowKeys>
>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function protectionFromRow<P extends Protection>(row: Record<string, unknown>, protection: P): ProtectionIntent<P> {
  const keys = ROW_KEYS[protection];
  const settings: Record<string, unknown> = {};
  for (const [name, rowKey] of keys.settings) settings[name] = row[rowKey];
  return {
    enabled: row[keys.enabled] as boolean,
    settings: settings as SettingsByProtection[P],
    version: row[keys.version] as number,
    changedBy: row[keys.changedBy] as string | null,
    changedAt: iso(row[keys.changedAt] as Date | null),
  };
}

export function rowToIntent(row: ConfigRow): SecurityIntent {
  const fields = row as unknown as Record<string, unknown>;
  return {
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
    crowdsec: protectionFromRow(fields, "crowdsec"),
    waf: protectionFromRow(fields, "waf"),
    rate_limit: protectionFromRow(fields, "rate_limit"),
  };
}

/** The columns to write for one protection's new intent. */
export function intentColumns<P extends Protection>(
  protection: P,
  enabled: boolean,
  settings: SettingsByProtection[P],
  changedBy: string,
  changedAt: Date,
): ConfigColumns {
  const spec = SECURITY_SPEC[protection] as (typeof SECURITY_SPEC)[Protection] | undefined;
  if (!spec) throw new Error(`unknown protection ${String(protection)}`);
  return intentColumnsOf(spec, enabled, settings, changedBy, changedAt) as ConfigColumns;
}

/** The name of a protection's version column (for the version-guarded update). */
export const VERSION_FIELD = Object.fromEntries(PROTECTIONS.map((p) => [p, ROW_KEYS[p].version])) as Record<Protection, keyof ConfigRow>;
