import postgresDmmf from "../generated/postgres/dmmf.json";
import sqliteDmmf from "../generated/sqlite/dmmf.json";
import type { Provider } from "../db-url";

// What the code needs, read from the Prisma schema's DMMF (written by scripts/dmmf-generator.mjs when
// the clients are generated), so a model added tomorrow is checked tomorrow, without a hand-kept list.

interface DmmfField {
  name: string;
  kind: string;
  isRequired: boolean;
  isList: boolean;
  dbName?: string | null;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

export interface ExpectedColumn {
  name: string;
  field: string;
  nullable: boolean;
}
export interface ExpectedTable {
  name: string;
  model: string;
  columns: ExpectedColumn[];
}

const DMMF: Record<Provider, { datamodel: { models: DmmfModel[] } }> = {
  sqlite: sqliteDmmf as never,
  postgresql: postgresDmmf as never,
};

export function expectedTables(provider: Provider): ExpectedTable[] {
  return DMMF[provider].datamodel.models.map((model) => ({
    name: model.dbName ?? model.name,
    model: model.name,
    columns: model.fields
      .filter((f) => f.kind === "scalar" || f.kind === "enum")
      .map((f) => ({ name: f.dbName ?? f.name, field: f.name, nullable: !f.isRequired })),
  }));
}
