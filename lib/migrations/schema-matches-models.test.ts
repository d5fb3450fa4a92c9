import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Provider } from "../db-url";
import { dropTestDatabases, emptyDatabase } from "../../test/support/databases";
import { openRawConnection, type RawConnection } from "./connection";
import { migrateDatabase } from "./run";

// Migrates an empty database of each provider and compares it with every model and scalar field of
// the Prisma schema (the DMMF that `npm run db:generate` writes next to each generated client):
// table, column, nullability, type family, primary key and unique keys. A forgotten column in one
// provider's migration.sql fails here.

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: string;
  type: string;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isList: boolean;
  nativeType?: unknown;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
  uniqueFields: string[][];
}

function loadModels(provider: Provider): DmmfModel[] {
  const dir = provider === "sqlite" ? "sqlite" : "postgres";
  const path = fileURLToPath(new URL(`../generated/${dir}/dmmf.json`, import.meta.url));
  const dmmf = JSON.parse(readFileSync(path, "utf8")) as { provider: string; datamodel: { models: DmmfModel[] } };
  expect(dmmf.provider).toBe(provider);
  return dmmf.datamodel.models;
}

interface LiveColumn {
  name: string;
  notNull: boolean;
  type: string;
}
interface LiveTable {
  columns: LiveColumn[];
  primaryKey: string[];
  /** Column lists of unique indexes and constraints (not the primary key). */
  uniques: string[][];
}

async function readTable(conn: RawConnection, table: string): Promise<LiveTable | null> {
  if (conn.provider === "sqlite") {
    const info = await conn.query<{ name: string; type: string; notnull: number; pk: number }>(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, [
      table,
    ]);
    if (info.length === 0) return null;
    const indexes = await conn.query<{ name: string; unique: number; origin: string; partial: number }>(
      `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`,
      [table],
    );
    const uniques: string[][] = [];
    for (const index of indexes) {
      if (!index.unique || index.origin === "pk" || index.partial) continue;
      const cols = await conn.query<{ name: string | null; seqno: number }>(`SELECT name, seqno FROM pragma_index_info(?) ORDER BY seqno`, [index.name]);
      if (cols.some((c) => c.name === null)) continue; // expression index
      uniques.push(cols.map((c) => c.name!));
    }
    return {
      columns: info.map((c) => ({ name: c.name, notNull: c.notnull === 1, type: c.type.toUpperCase() })),
      primaryKey: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      uniques,
    };
  }
  const columns = await conn.query<{ name: string; is_nullable: string; data_type: string }>(
    `SELECT column_name AS name, is_nullable, data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  if (columns.length === 0) return null;
  const indexes = await conn.query<{ primary: boolean; unique: boolean; columns: string[] }>(
    `SELECT i.indisprimary AS "primary", i.indisunique AS "unique",
            array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE t.relname = $1 AND n.nspname = current_schema() AND i.indpred IS NULL AND i.indexprs IS NULL
      GROUP BY i.indexrelid, i.indisprimary, i.indisunique`,
    [table],
  );
  return {
    columns: columns.map((c) => ({ name: c.name, notNull: c.is_nullable === "NO", type: c.data_type })),
    primaryKey: indexes.find((i) => i.primary)?.columns ?? [],
    uniques: indexes.filter((i) => i.unique && !i.primary).map((i) => i.columns),
  };
}

// Prisma's default native type per scalar type (used when the schema names no @db.* type).
const TYPE_FAMILY: Record<Provider, Record<string, string>> = {
  sqlite: { Int: "INTEGER", String: "TEXT", Boolean: "BOOLEAN", DateTime: "DATETIME", Float: "REAL", BigInt: "BIGINT" },
  postgresql: {
    Int: "integer",
    String: "text",
    Boolean: "boolean",
    DateTime: "timestamp without time zone",
    Float: "double precision",
    BigInt: "bigint",
  },
};

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000");

/** Every difference between the live database and the models, as readable lines (empty = matches). */
async function schemaProblems(url: string, provider: Provider): Promise<string[]> {
  const problems: string[] = [];
  const conn = await openRawConnection(url);
  try {
    for (const model of loadModels(provider)) {
      const table = model.dbName ?? model.name;
      const live = await readTable(conn, table);
      if (!live) {
        problems.push(`${model.name}: table ${table} is missing`);
        continue;
      }
      const scalars = model.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
      const column = (field: DmmfField) => field.dbName ?? field.name;
      for (const field of scalars) {
        const name = column(field);
        const col = live.columns.find((c) => c.name === name);
        if (!col) {
          problems.push(`${model.name}.${field.name}: column ${table}.${name} is missing`);
          continue;
        }
        if (col.notNull !== field.isRequired) {
          problems.push(
            `${model.name}.${field.name}: ${table}.${name} is ${col.notNull ? "NOT NULL" : "nullable"}, the model says ${field.isRequired ? "required" : "optional"}`,
          );
        }
        const family = TYPE_FAMILY[provider][field.type];
        if (!field.nativeType && family && col.type !== family) {
          problems.push(`${model.name}.${field.name}: ${table}.${name} has type ${col.type}, expected ${family} for ${field.type}`);
        }
      }
      for (const col of live.columns) {
        if (!scalars.some((f) => column(f) === col.name)) problems.push(`${model.name}: ${table}.${col.name} exists in the database but not in the model`);
      }

      const modelPk = model.primaryKey
        ? model.primaryKey.fields.map((f) => column(scalars.find((s) => s.name === f)!))
        : scalars.filter((f) => f.isId).map(column);
      if (!sameSet(modelPk, live.primaryKey)) {
        problems.push(`${model.name}: primary key is (${live.primaryKey.join(", ")}), the model says (${modelPk.join(", ")})`);
      }

      const modelUniques = [
        ...scalars.filter((f) => f.isUnique).map((f) => [column(f)]),
        ...model.uniqueFields.map((fields) => fields.map((f) => column(scalars.find((s) => s.name === f)!))),
      ];
      for (const unique of modelUniques) {
        if (!live.uniques.some((u) => sameSet(u, unique))) problems.push(`${model.name}: no unique index on (${unique.join(", ")})`);
      }
      for (const unique of live.uniques) {
        if (!modelUniques.some((u) => sameSet(u, unique))) problems.push(`${model.name}: unique index on (${unique.join(", ")}) is not in the model`);
      }
    }
  } finally {
    await conn.close();
  }
  return problems;
}

/** An empty database migrated by Warden's migrator (not a copied template: the migration is under test). */
async function migratedDatabase(provider: Provider): Promise<string> {
  const url = await emptyDatabase(provider);
  await migrateDatabase(url);
  return url;
}

afterAll(dropTestDatabases);

describe.each(["sqlite", "postgresql"] as const)("the migrated %s database matches the Prisma models", (provider) => {
  let url: string;
  beforeAll(async () => {
    url = await migratedDatabase(provider);
  });

  it("has every model's table, column, nullability, type, primary key and unique key", async () => {
    const models = loadModels(provider);
    // The check covers the models that exist today (and every model added later, unchanged).
    expect(models.map((m) => m.dbName)).toEqual(expect.arrayContaining(["settings", "security_configs", "security_audits"]));
    expect(await schemaProblems(url, provider)).toEqual([]);
  });

  it("reports a dropped column, a lost NOT NULL and a lost unique key (the check is not vacuous)", async () => {
    const broken = await migratedDatabase(provider);
    const conn = await openRawConnection(broken);
    try {
      if (provider === "sqlite") {
        // SQLite cannot drop NOT NULL in place: rebuild "settings" as a migration would, minus the guards.
        await conn.exec(`PRAGMA foreign_keys = OFF;
          CREATE TABLE "new_settings" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "key" TEXT NOT NULL, "value" TEXT, "type" TEXT NOT NULL, "updated_at" DATETIME NOT NULL);
          DROP TABLE "settings";
          ALTER TABLE "new_settings" RENAME TO "settings";`);
      } else {
        await conn.exec(`ALTER TABLE "settings" DROP COLUMN "category";
          ALTER TABLE "settings" ALTER COLUMN "value" DROP NOT NULL;
          DROP INDEX "settings_key_key";`);
      }
    } finally {
      await conn.close();
    }
    const problems = await schemaProblems(broken, provider);
    expect(problems).toEqual(
      expect.arrayContaining([
        "Setting.category: column settings.category is missing",
        "Setting.value: settings.value is nullable, the model says required",
        "Setting: no unique index on (key)",
      ]),
    );
    expect(problems).toHaveLength(3);
  });
});
