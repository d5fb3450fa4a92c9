// The shape of a protection's field spec: what Warden needs to know about one stored setting to
// validate it, store it, mirror it, show it in the form and name it in the audit log. Pure types.

interface FieldBase {
  /** The words an admin reads: the form label, the audit log, validation messages. */
  label: string;
  /** Its column in `security_configs` (same name on SQLite and PostgreSQL). */
  column: string;
  /** Its Setting mirror key segment: `security.<protection>.<mirrorKey>` (snake_case, as older panels read them). */
  mirrorKey: string;
  /**
   * The column was added nullable and without a default, so that a row written before it existed
   * reads NULL until a one-time conversion at boot fills it in (a default would fill every old row
   * with it, and the row could not tell a converted value from an unconverted one). Every write
   * stores a value.
   */
  nullableColumn?: true;
}

/** A whole number within inclusive bounds; the form's hint is the range unless `help` says otherwise. */
export interface IntegerField extends FieldBase {
  kind: "integer";
  min: number;
  max: number;
  default: number;
  help?: string;
}

/** One word out of a fixed list (a select in the form). */
export interface ChoiceField extends FieldBase {
  kind: "choice";
  options: readonly [string, ...string[]];
  default: string;
  help: string;
}

/** An optional URL (null when empty); its grammar is the protection's cross-field rule. */
export interface UrlField extends FieldBase {
  kind: "url";
  maxLength: number;
  default: string | null;
  help: string;
}

export type FieldSpec = IntegerField | ChoiceField | UrlField;

/**
 * A whole-number column a protection stored before its settings changed shape: kept in the table (a
 * downgrade still reads it), never written again, read only by the conversion to the new fields.
 * Its mirror key is not compared with the config any more.
 */
export interface RetiredColumn {
  column: string;
  mirrorKey: string;
  /** The column's default in the table (a row created since is given it). */
  default: number;
}

/** A rule over several fields of the merged settings, run once every field is valid on its own. */
export type CrossFieldRule = (settings: Record<string, unknown>) => { field: string; message: string } | null;

export interface ProtectionSpec {
  /** "Rate limiting": cards, conflict messages, the audit log. */
  label: string;
  /** Prefix of its columns: `<column>_enabled`, `<column>_version`, `<column>_changed_by`, `<column>_changed_at`. */
  column: string;
  /** Prefix of its fields on the Prisma row: `<row>Enabled`, `<row>Version`, `<row><Field>`… */
  row: string;
  /** Whether it is on after a fresh install. */
  enabledByDefault: boolean;
  /** Its settings, in the order the form, the mirror and the audit log list them. */
  fields: Readonly<Record<string, FieldSpec>>;
  crossFieldRule?: CrossFieldRule;
  /** Columns of earlier settings (by their old setting name), after the fields in the row. */
  retired?: Readonly<Record<string, RetiredColumn>>;
}

export type SecuritySpec = Readonly<Record<string, ProtectionSpec>>;

/** The stored value of a field: a number, one of the choices, or a URL or null. */
export type FieldValue<F extends FieldSpec> = F extends { kind: "integer" }
  ? number
  : F extends { kind: "choice"; options: readonly (infer O)[] }
    ? O
    : string | null;

export type SettingsOf<P extends ProtectionSpec> = { -readonly [K in keyof P["fields"]]: FieldValue<P["fields"][K]> };

/** Every protection's settings, typed field by field from the spec. */
export type SpecSettings<S extends SecuritySpec> = { [P in keyof S]: SettingsOf<S[P]> };

type RetiredRow<P extends ProtectionSpec> =
  P["retired"] extends Readonly<Record<string, RetiredColumn>> ? { [K in keyof P["retired"] & string as `${P["row"]}${Capitalize<K>}`]: number } : unknown;

/** A protection's columns on the row: its settings, then its switch, version and who changed it when. */
type ProtectionRow<P extends ProtectionSpec> = {
  [K in keyof P["fields"] & string as `${P["row"]}${Capitalize<K>}`]: FieldValue<P["fields"][K]>;
} & RetiredRow<P> & {
    [K in `${P["row"]}Enabled`]: boolean;
  } & { [K in `${P["row"]}Version`]: number } & { [K in `${P["row"]}ChangedBy`]: string | null } & { [K in `${P["row"]}ChangedAt`]: Date | null };

/** The config row as the spec describes it (the Prisma model must have exactly these fields). */
export type SpecRow<S extends SecuritySpec> = { id: number; version: number; createdAt: Date; updatedAt: Date } & UnionToIntersection<
  { [P in keyof S]: ProtectionRow<S[P]> }[keyof S]
>;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
