import type { FieldSpec, ProtectionSpec, SecuritySpec } from "./field-spec";

// Where the spec's fields live in `security_configs`: the column list the hand-written statements
// select and write, and the row's field names (the Prisma model's, which the columns are aliased to).

export type ColumnType = "integer" | "boolean" | "text" | "timestamp";

/** The column type of each kind of field (config-sql.ts reads raw row values back by it). */
const COLUMN_TYPE: Record<FieldSpec["kind"], ColumnType> = { integer: "integer", choice: "text", url: "text" };

export interface ConfigColumn {
  /** The field name on the row (as in the Prisma model). */
  field: string;
  /** The column name in the table. */
  column: string;
  type: ColumnType;
}

/** The row field names of one protection: its switch, its settings (by setting name) and its metadata. */
export interface ProtectionRowKeys {
  enabled: string;
  version: string;
  changedBy: string;
  changedAt: string;
  settings: [name: string, rowKey: string][];
  /** Retired columns (field-spec.ts RetiredColumn): read by a conversion, never written. */
  retired: [name: string, rowKey: string][];
}

export function protectionRowKeys(protection: ProtectionSpec): ProtectionRowKeys {
  const { row } = protection;
  const rowKey = (name: string): [string, string] => [name, `${row}${name.charAt(0).toUpperCase()}${name.slice(1)}`];
  return {
    enabled: `${row}Enabled`,
    version: `${row}Version`,
    changedBy: `${row}ChangedBy`,
    changedAt: `${row}ChangedAt`,
    settings: Object.keys(protection.fields).map(rowKey),
    retired: Object.keys(protection.retired ?? {}).map(rowKey),
  };
}

/** Every column of the config row, in table order. */
export function configColumnsOf(spec: SecuritySpec): ConfigColumn[] {
  const perProtection = Object.values(spec).flatMap((protection): ConfigColumn[] => {
    const keys = protectionRowKeys(protection);
    const fields = Object.values(protection.fields);
    const retired = Object.values(protection.retired ?? {});
    return [
      { field: keys.enabled, column: `${protection.column}_enabled`, type: "boolean" },
      ...keys.settings.map(([, rowKey], i): ConfigColumn => ({ field: rowKey, column: fields[i]!.column, type: COLUMN_TYPE[fields[i]!.kind] })),
      ...keys.retired.map(([, rowKey], i): ConfigColumn => ({ field: rowKey, column: retired[i]!.column, type: "integer" })),
      { field: keys.version, column: `${protection.column}_version`, type: "integer" },
      { field: keys.changedBy, column: `${protection.column}_changed_by`, type: "text" },
      { field: keys.changedAt, column: `${protection.column}_changed_at`, type: "timestamp" },
    ];
  });
  return [
    { field: "id", column: "id", type: "integer" },
    { field: "version", column: "version", type: "integer" },
    ...perProtection,
    { field: "createdAt", column: "created_at", type: "timestamp" },
    { field: "updatedAt", column: "updated_at", type: "timestamp" },
  ];
}

/** The row fields that store one protection's intent (what a change writes). */
export function intentColumnsOf(
  protection: ProtectionSpec,
  enabled: boolean,
  settings: Record<string, unknown>,
  changedBy: string,
  changedAt: Date,
): Record<string, unknown> {
  const keys = protectionRowKeys(protection);
  const columns: Record<string, unknown> = { [keys.enabled]: enabled };
  for (const [name, rowKey] of keys.settings) columns[rowKey] = settings[name];
  columns[keys.changedBy] = changedBy;
  columns[keys.changedAt] = changedAt;
  return columns;
}
