import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { cleanupTempDirs } from "../../../test/support/databases";
import { ADMIN, ADMIN_PASSWORD, authEvents, authFixture, cookieFrom, requestHeaders, seedAdmin, WRONG_PASSWORD } from "../../../test/support/auth";
import { execSql } from "../../../test/support/db-snapshot";
import { login } from "../../auth/login";
import { listBackups } from "../../migrations/backup/catalog";
import { migrationsDir, readMigrationFolder } from "../../migrations/folder";
import { resetSchemaGate, schemaGate } from "../../migrations/gate";
import { resetMigrationJob } from "../../migrations/job";

// The server actions read the request's headers through next/headers; here they are the test's.
const requestScope = vi.hoisted(() => ({ headers: new Headers() }));
vi.mock("next/headers", () => ({ headers: async () => requestScope.headers, cookies: async () => ({ get: () => undefined, set: () => undefined }) }));
const { applyMigrationsAction } = await import("./apply-migrations");
const { testMigrationsAction } = await import("./test-on-copy");

// The health page's actions against a real database with a pending migration: they run while the
// schema is degraded (every other action is refused then), ask for the password again (a sign-in
// attempt: audited, throttled), back up first, and the gate's verdict is healthy right after.

afterAll(() => cleanupTempDirs());
afterEach(() => {
  resetSchemaGate();
  resetMigrationJob();
});

describe.each(["sqlite", "postgresql"] as const)("migration actions on %s", (provider) => {
  const fixture = authFixture(provider);

  it("Test on a copy and Apply: refused without a session; a wrong password changes nothing and is audited; the right one backs up, applies, and the panel is healthy at once", async () => {
    const { db, url, dataDir } = fixture();
    await seedAdmin(db);
    const setupToken = readMigrationFolder(migrationsDir(provider)).find((m) => m.name.endsWith("_setup_token"))!.name;
    await execSql(url, `DROP TABLE "setup_tokens"; DELETE FROM "_prisma_migrations" WHERE "migration_name" = '${setupToken}';`);
    resetSchemaGate();
    expect((await schemaGate(url)).report.status).toBe("pending");

    requestScope.headers = requestHeaders({ ip: "127.0.0.9" });
    expect(await applyMigrationsAction({ password: ADMIN_PASSWORD })).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
    expect(await testMigrationsAction()).toMatchObject({ error: { code: "UNAUTHENTICATED" } });

    const outcome = await login(db, { username: ADMIN, password: ADMIN_PASSWORD }, requestHeaders({ ip: "127.0.0.9" }));
    if (!outcome.ok) throw new Error(outcome.message);
    requestScope.headers = requestHeaders({ ip: "127.0.0.9", cookie: cookieFrom(outcome.setCookies) });

    expect(await testMigrationsAction("crawl")).toMatchObject({ error: { code: "MALFORMED" } });
    const dry = await testMigrationsAction();
    if (!("data" in dry)) throw new Error(dry.error.message);
    expect(dry.data).toMatchObject({ ok: true, steps: [{ name: setupToken, status: "applied" }], verdict: { status: "healthy" } });
    expect((await schemaGate(url, { fresh: true })).report.status).toBe("pending");

    expect(await applyMigrationsAction({})).toMatchObject({ error: { code: "VALIDATION", fields: { password: expect.any(String) } } });
    expect(await applyMigrationsAction({ password: WRONG_PASSWORD })).toMatchObject({
      error: { code: "VALIDATION", fields: { password: "The password is not correct" } },
    });
    expect((await authEvents(db)).at(-1)).toMatchObject({ event: "login_failed", detail: "apply-migrations: wrong password" });
    expect((await schemaGate(url, { fresh: true })).report.status).toBe("pending");
    expect(existsSync(join(dataDir, "backups")) ? listBackups(join(dataDir, "backups")) : []).toEqual([]);

    const applied = await applyMigrationsAction({ password: ADMIN_PASSWORD });
    if (!("data" in applied)) throw new Error(applied.error.message);
    expect(applied.data).toMatchObject({ outcome: "applied", applied: [{ name: setupToken }], summary: expect.stringMatching(/^Healthy:/) });
    const backups = listBackups(join(dataDir, "backups"));
    expect(backups).toHaveLength(1);
    expect(applied.data.outcome === "applied" && applied.data.backup?.restoreCommand).toBe(`npm run cli -- restore ${backups[0]!.path}`);
    expect(backups[0]!.migrations).not.toContain(setupToken);
    // The cached verdict itself (what every page and action asks) is healthy: no restart needed.
    expect((await schemaGate(url)).ok).toBe(true);
  });
});
