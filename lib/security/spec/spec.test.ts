import { describe, expect, it } from "vitest";
import sqliteDmmf from "../../generated/sqlite/dmmf.json";
import { configColumnsOf, intentColumnsOf, protectionRowKeys } from "./columns";
import { DEFAULT_ENABLED, DEFAULT_SETTINGS, defaultSettingsOf } from "./defaults";
import type { IntegerField } from "./field-spec";
import { formFieldsOf, SETTINGS_FIELDS } from "./form-fields";
import { fieldLabel, fieldLabelerOf } from "./labels";
import { mirrorFieldKeysOf } from "./mirror-keys";
import { PROTECTIONS, SECURITY_SPEC } from "./protections";
import { changesShapeOf, settingsRulesOf, ZChangesShape, ZSettingsRules } from "./schemas";

// A setting is described once, in the field spec; everything that handles settings is derived from it.
// These tests add a throwaway field to a copy of the spec and find it in every derived place, and check
// the real spec against the Prisma model it is stored in.

const throwaway: IntegerField = {
  kind: "integer",
  label: "Throwaway cap",
  column: "waf_test_limit",
  mirrorKey: "test_limit",
  min: 1,
  max: 9,
  default: 3,
};
const withThrowaway = {
  ...SECURITY_SPEC,
  waf: { ...SECURITY_SPEC.waf, fields: { ...SECURITY_SPEC.waf.fields, testLimit: throwaway } },
};

describe("one spec edit adds a field everywhere", () => {
  it("the zod schemas: a change may carry it (shape) and it is held to its bounds (rules)", () => {
    expect(ZChangesShape.waf.safeParse({ testLimit: 5 }).success).toBe(false); // unknown to the real spec
    const shape = changesShapeOf(withThrowaway).waf;
    expect(shape.safeParse({ testLimit: 5 })).toEqual({ success: true, data: { testLimit: 5 } });
    expect(shape.safeParse({ testLimit: "5" }).error?.issues[0]?.message).toBe("Throwaway cap must be a number");

    const rules = settingsRulesOf(withThrowaway).waf;
    expect(rules.safeParse({ ...DEFAULT_SETTINGS.waf, testLimit: 3 }).data).toEqual({ ...DEFAULT_SETTINGS.waf, testLimit: 3 });
    expect(rules.safeParse({ ...DEFAULT_SETTINGS.waf, testLimit: 10 }).error?.issues[0]?.message).toBe("Throwaway cap must be between 1 and 9");
    expect(rules.safeParse({ ...DEFAULT_SETTINGS.waf, testLimit: 2.5 }).error?.issues[0]?.message).toBe("Throwaway cap must be a whole number");
  });

  it("the SQL column list: selected and written with the WAF's columns", () => {
    const columns = configColumnsOf(withThrowaway);
    expect(columns.length).toBe(configColumnsOf(SECURITY_SPEC).length + 1);
    const wafColumns = columns.filter((c) => c.column.startsWith("waf_")).map((c) => c.column);
    expect(wafColumns).toEqual([
      "waf_enabled",
      "waf_mode",
      "waf_paranoia",
      "waf_inbound_threshold",
      "waf_outbound_threshold",
      "waf_test_limit",
      "waf_version",
      "waf_changed_by",
      "waf_changed_at",
    ]);
    expect(columns).toContainEqual({ field: "wafTestLimit", column: "waf_test_limit", type: "integer" });
    const written = intentColumnsOf(withThrowaway.waf, true, { ...DEFAULT_SETTINGS.waf, testLimit: 7 }, "admin", new Date(0));
    expect(written).toMatchObject({ wafEnabled: true, wafTestLimit: 7, wafChangedBy: "admin" });
  });

  it("the mirror keys: security.waf.test_limit", () => {
    expect(mirrorFieldKeysOf(withThrowaway).waf).toEqual({
      mode: "mode",
      paranoia: "paranoia",
      inboundThreshold: "inbound_threshold",
      outboundThreshold: "outbound_threshold",
      testLimit: "test_limit",
    });
  });

  it("the form fields: one more integer input, its range as the hint", () => {
    const fields = formFieldsOf(withThrowaway).waf;
    expect(fields.map((f) => f.name)).toEqual(["mode", "paranoia", "inboundThreshold", "outboundThreshold", "testLimit"]);
    expect(fields.at(-1)).toEqual({ name: "testLimit", label: "Throwaway cap", kind: "integer", hint: "1–9" });
  });

  it("the audit labels: its label, not the key spelled out", () => {
    expect(fieldLabel("waf", "testLimit")).toBe("Test limit"); // what an unknown key reads as
    expect(fieldLabelerOf(withThrowaway)("waf", "testLimit")).toBe("Throwaway cap");
  });

  it("the fresh-install defaults: its default, stored in its column", () => {
    const defaults = defaultSettingsOf(withThrowaway).waf;
    expect(defaults).toEqual({ ...DEFAULT_SETTINGS.waf, testLimit: 3 });
    expect(intentColumnsOf(withThrowaway.waf, false, defaults, "system", new Date(0))).toMatchObject({ wafTestLimit: 3 });
  });
});

describe("the real spec", () => {
  const model = sqliteDmmf.datamodel.models.find((m) => m.name === "SecurityConfig")!;
  const nullableColumnFields = () =>
    PROTECTIONS.flatMap((p) => {
      const keys = protectionRowKeys(SECURITY_SPEC[p]);
      return keys.settings.filter(([name]) => (SECURITY_SPEC[p].fields as Record<string, { nullableColumn?: true }>)[name]!.nullableColumn).map(([, f]) => f);
    });
  const modelColumns = model.fields.map((f) => ({ field: f.name, column: ("dbName" in f && f.dbName) || f.name }));

  it("names exactly the columns of the SecurityConfig model, by the model's field names", () => {
    const columns = configColumnsOf(SECURITY_SPEC).map(({ field, column }) => ({ field, column }));
    expect(columns).toEqual(modelColumns);
  });

  it("has the model's column defaults as its fresh-install defaults", () => {
    const columns = configColumnsOf(SECURITY_SPEC);
    const nullable = new Set(nullableColumnFields());
    for (const protection of PROTECTIONS) {
      const stored = intentColumnsOf(SECURITY_SPEC[protection], DEFAULT_ENABLED[protection], DEFAULT_SETTINGS[protection], "system", new Date(0));
      for (const [field, value] of Object.entries(stored)) {
        if (field.endsWith("ChangedBy") || field.endsWith("ChangedAt") || nullable.has(field)) continue;
        const modelField = model.fields.find((f) => f.name === field)!;
        expect({ field, default: "default" in modelField ? modelField.default : null }, columns.find((c) => c.field === field)!.column).toEqual({
          field,
          default: value,
        });
      }
    }
  });

  it("stores a field marked nullableColumn in an optional column without a default (NULL: not yet converted)", () => {
    expect(nullableColumnFields()).toEqual(["rateLimitRate", "rateLimitUnit", "rateLimitExcess"]);
    for (const field of nullableColumnFields()) {
      const modelField = model.fields.find((f) => f.name === field)!;
      expect({ field, required: modelField.isRequired, hasDefault: modelField.hasDefaultValue }).toEqual({ field, required: false, hasDefault: false });
    }
  });

  it("keeps retired columns in the model, with their defaults, and never writes them", () => {
    const retired = PROTECTIONS.flatMap((p) => protectionRowKeys(SECURITY_SPEC[p]).retired.map(([name, field]) => ({ p, name, field })));
    expect(retired.map((r) => r.field)).toEqual(["rateLimitRequests", "rateLimitWindowSec"]);
    for (const { p, name, field } of retired) {
      const modelField = model.fields.find((f) => f.name === field)!;
      const spec = (SECURITY_SPEC[p] as { retired?: Record<string, { default: number }> }).retired![name]!;
      expect("default" in modelField ? modelField.default : null).toBe(spec.default);
      expect(intentColumnsOf(SECURITY_SPEC[p], true, DEFAULT_SETTINGS[p], "admin", new Date(0))).not.toHaveProperty(field);
    }
  });

  it("defaults that pass their own rules, and choices whose default is one of them", () => {
    for (const protection of PROTECTIONS) {
      expect(ZSettingsRules[protection].safeParse(DEFAULT_SETTINGS[protection]).success, protection).toBe(true);
    }
  });

  it("gives the form every field of every protection, in spec order", () => {
    for (const protection of PROTECTIONS) {
      expect(SETTINGS_FIELDS[protection].map((f) => f.name)).toEqual(Object.keys(SECURITY_SPEC[protection].fields));
    }
  });
});
