import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db";
import type { Provider } from "../db-url";
import { openRawConnection } from "../migrations/connection";
import { readIntent, toggleProtection, updateProtection } from "../security/intent-store";
import { cleanupTempDirs, freshPostgres, freshSqliteUrl } from "../../test/support/databases";
import { auditRows, healthyAt, storeInvariants } from "../../test/support/store-state";
import { appendAudit, appendRuntimeResult } from "./append";
import { listAudit } from "./list";

// The append-only audit on real SQLite files and a real PostgreSQL database: a change's runtime result
// is a row of its own linked to the change, the change's row is never touched again, the list shows
// one line per change with its result, and runtime results are not commits.

const ADMIN = { actor: "local-admin" };

function fixture(provider: Provider) {
  let pg: { url: string; drop: () => Promise<void>; db: Db } | undefined;
  let current: { url: string; db: Db } | undefined;
  beforeAll(async () => {
    if (provider === "postgresql") {
      const database = await freshPostgres();
      pg = { ...database, db: createDb(database.url) };
    }
  });
  beforeEach(async () => {
    if (provider === "sqlite") {
      const url = await freshSqliteUrl();
      current = { url, db: createDb(url) };
    } else {
      await sql(pg!.url, `TRUNCATE "settings", "security_configs", "security_audits" RESTART IDENTITY`);
      current = { url: pg!.url, db: pg!.db };
    }
  });
  afterEach(async () => {
    if (provider === "sqlite") await current?.db.$disconnect();
  });
  afterAll(async () => {
    await pg?.db.$disconnect();
    await pg?.drop();
  });
  return () => current!;
}

async function sql(url: string, statement: string): Promise<void> {
  const conn = await openRawConnection(url);
  try {
    await conn.exec(statement);
  } finally {
    await conn.close();
  }
}

afterAll(() => cleanupTempDirs());

describe.each(["sqlite", "postgresql"] as const)("append-only audit on %s", (provider) => {
  const store = fixture(provider);

  it("a runtime result is a new row linked to its change; the change's row stays as committed", async () => {
    const { db } = store();
    const change = await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, ADMIN);
    const committedRow = (await auditRows(db)).find((r) => r.id === change.auditId)!;

    const resultId = await appendRuntimeResult(db, change, { status: "applied", version: 1, ms: 42, summary: "tuning file written" });

    const rows = await auditRows(db);
    expect(rows.find((r) => r.id === change.auditId)).toEqual(committedRow);
    expect(rows.find((r) => r.id === resultId)).toMatchObject({
      action: "runtime_result",
      outcome: "applied",
      protection: "waf",
      actor: "system",
      changeId: change.auditId,
      requestId: change.requestId,
      configVersion: null,
    });
    expect(await storeInvariants(db)).toEqual(healthyAt((await readIntent(db)).version));
  });

  it("the list shows one entry per change with its runtime outcome; result rows are not entries", async () => {
    const { db } = store();
    const on = await toggleProtection(db, { protection: "waf", on: true, expectedVersion: 0 }, ADMIN);
    await appendRuntimeResult(db, on, { status: "applied", version: 1, ms: 7 });
    const paranoia = await updateProtection(db, { protection: "waf", changes: { paranoia: 3 }, expectedVersion: 1 }, ADMIN);
    await appendRuntimeResult(db, paranoia, { status: "failed", version: 2, ms: 3, error: "tuning file directory is missing" });

    const page = await listAudit(db, { page: 1, pageSize: 20 });
    expect(page.entries.map((e) => [e.action, e.outcome])).toEqual([
      ["update", "committed"],
      ["toggle", "committed"],
      ["initialize", "committed"],
    ]);
    expect(page.total).toBe(3);
    expect(page.entries[0]!.runtimeResult).toEqual({ status: "failed", version: 2, ms: 3, error: "tuning file directory is missing" });
    expect(page.entries[1]!.runtimeResult).toEqual({ status: "applied", version: 1, ms: 7 });
    expect(page.entries[2]!.runtimeResult).toBeNull();

    const waf = await listAudit(db, { page: 1, pageSize: 1, protection: "waf" });
    expect(waf).toMatchObject({ total: 2, pages: 2 });
    expect(waf.entries[0]!.runtimeResult).toMatchObject({ status: "failed" });
  });

  it("a row written before results had rows of their own keeps the result it recorded", async () => {
    const { db } = store();
    const version = (await readIntent(db)).version + 1;
    // As the old applier left it: the result on the committed row itself (config row bumped to match).
    await db.securityConfig.update({ where: { id: 1 }, data: { version } });
    await db.setting.update({ where: { key: "security.version" }, data: { value: String(version) } });
    await appendAudit(db, {
      actor: "old-admin",
      action: "repair_mirror",
      protection: null,
      before: {},
      after: {},
      outcome: "committed",
      requestId: "legacy",
      configVersion: version,
      runtimeResult: { status: "applied", ms: 900 },
    });
    const [legacy] = (await listAudit(db, { page: 1, pageSize: 1 })).entries;
    expect(legacy).toMatchObject({ actor: "old-admin", runtimeResult: { status: "applied", ms: 900 } });
    expect(await storeInvariants(db)).toEqual(healthyAt(version));
  });
});
