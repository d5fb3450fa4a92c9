import type { SchemaIntegrity } from "@/lib/migrations/report";
import { Badge } from "../ui/badge";
import { plural } from "@/lib/plural";

export function SchemaIntegrityView({ schema }: { schema: SchemaIntegrity }) {
  return (
    <div className="space-y-3">
      <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
        {schema.tables.map((t) => {
          const missing = t.columns.filter((c) => !c.present).length;
          return (
            <details
              key={t.name}
              data-testid="schema-table"
              open={!t.present || missing > 0}
              className="rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900"
            >
              <summary className="flex cursor-pointer items-center justify-between gap-2">
                <span className="font-mono">{t.name}</span>
                {t.present ? (
                  missing > 0 ? (
                    <Badge tone="red">{plural(missing, "column")} missing</Badge>
                  ) : (
                    <Badge tone="green">present</Badge>
                  )
                ) : (
                  <Badge tone="red">missing</Badge>
                )}
              </summary>
              <ul className="mt-2 space-y-0.5">
                {t.columns.map((c) => (
                  <li key={c.name} className="flex justify-between gap-2 font-mono text-xs">
                    <span>
                      {c.name}
                      <span className="text-slate-500">{c.expectedNullable ? " (nullable)" : ""}</span>
                    </span>
                    <span>{!t.present ? "—" : c.present ? (c.actualNullable === c.expectedNullable ? "present" : "nullability differs") : "MISSING"}</span>
                  </li>
                ))}
              </ul>
            </details>
          );
        })}
      </div>
      {schema.unexpectedTables.length > 0 && (
        <p className="text-sm">
          Unexpected tables (not in the schema): <span className="font-mono">{schema.unexpectedTables.join(", ")}</span>
        </p>
      )}
    </div>
  );
}
