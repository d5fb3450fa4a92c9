import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Db, Tx } from "../db";
import { ConflictError, MalformedRequestError, NotFoundError } from "../errors";
import { log } from "../log";
import { appendAudit, appendAuditOrLog } from "../audit/append";
import { announceCommit } from "./intent-events";
import { GLOBAL_VERSION_KEY } from "./mirror";
import { writeMirror } from "./mirror-write";
import { readIntent, type ChangeContext } from "./intent-store";
import { TX_OPTIONS } from "./intent-transaction";

// Scenario intent (ADR 007): the panel's wish for each CrowdSec
// scenario. At first init the runtime's enabled set is recorded as intent; then each switch changes
// intent only (the runtime follows on Apply). A scenario without a row is intended disabled.
// Every write is one transaction like a protection change: it takes the intent lock by bumping the
// global config version (first statement), writes the row, the mirror's `security.version` and an
// audit row with that version, so ADR 005's invariant (audit versions = 1..version) keeps holding.

/** A hub name: `<author>/<name>`, as cscli prints it. */
export const ZScenarioName = z
  .string({ error: "name must be text" })
  .min(3, "name is too short")
  .max(200, "name must be at most 200 characters")
  .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "name must look like author/scenario (letters, digits, . _ -)");

export const ZScenarioInput = z
  .object({
    name: ZScenarioName,
    enabled: z.boolean({ error: "enabled must be true or false" }),
    /** The scenario's version the admin saw (0 when it had no row). */
    expectedVersion: z.number({ error: "expectedVersion must be a number" }).int().min(0).max(2_147_483_647),
  })
  .strict();
export type ScenarioInput = z.infer<typeof ZScenarioInput>;

export interface ScenarioIntentRow {
  name: string;
  enabled: boolean;
  version: number;
  changedBy: string | null;
  changedAt: string | null;
}

/** name → enabled, for the drift check: one raw statement (thousands of rows). */
export async function scenarioIntentMap(db: Db | Tx): Promise<Map<string, boolean>> {
  const rows = await db.$queryRaw<{ name: string; enabled: unknown }[]>`SELECT "name", "enabled" FROM "scenario_intents"`;
  const map = new Map<string, boolean>();
  for (const r of rows) map.set(r.name, r.enabled === true || r.enabled === 1 || r.enabled === 1n);
  return map;
}

export async function listScenarioIntents(db: Db): Promise<ScenarioIntentRow[]> {
  const rows = await db.scenarioIntent.findMany({ orderBy: { name: "asc" } });
  return rows.map((r) => ({ name: r.name, enabled: r.enabled, version: r.version, changedBy: r.changedBy, changedAt: r.changedAt?.toISOString() ?? null }));
}

async function bumpGlobalVersion(tx: Tx, at: Date): Promise<number> {
  const rows = await tx.$queryRaw<{ version: number | bigint }[]>`
    UPDATE "security_configs" SET "version" = "version" + 1, "updated_at" = ${at} WHERE "id" = 1 RETURNING "version"`;
  if (!rows[0]) throw new Error("security config row missing inside the scenario transaction");
  return Number(rows[0].version);
}

/**
 * Sets one scenario's intent. `known`: the scenario names the runtime offers (hub, local items) plus
 * those with intent rows; a name outside it is refused. Returns the row as written (unchanged, and no
 * audit row, when it already had that value).
 */
/** Validates a scenario switch request (malformed → refused, nothing written, no audit row). */
export function parseScenarioInput(input: unknown): ScenarioInput {
  const parsed = ZScenarioInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedRequestError(issue ? `${issue.path.join(".") || "request"}: ${issue.message}` : "The request is malformed");
  }
  return parsed.data;
}

export async function setScenarioIntent(db: Db, input: unknown, ctx: ChangeContext, known: ReadonlySet<string>): Promise<ScenarioIntentRow> {
  const { name, enabled, expectedVersion } = parseScenarioInput(input);
  const requestId = ctx.requestId ?? randomUUID();
  if (!known.has(name)) {
    const error = new NotFoundError(`Unknown scenario ${name}: the runtime's hub does not offer it.`);
    await recordScenarioRejection(db, name, enabled, ctx.actor, requestId, error.message);
    throw error;
  }
  await readIntent(db, requestId); // recreates a missing config row before the transaction needs it
  try {
    return await commitScenario(db, name, enabled, expectedVersion, ctx, requestId);
  } catch (error) {
    if (error instanceof ConflictError) await recordScenarioRejection(db, name, enabled, ctx.actor, requestId, error.message);
    throw error;
  }
}

/** A well-formed switch that was refused leaves one `rejected` audit row (as protection changes do). */
async function recordScenarioRejection(db: Db, name: string, enabled: boolean, actor: string, requestId: string, reason: string): Promise<void> {
  await appendAuditOrLog(
    db,
    { actor, action: "scenario", protection: "crowdsec", after: { scenario: name, enabled }, outcome: "rejected", error: reason, requestId },
    "a rejected scenario switch",
  );
  log.info({ event: "scenario_intent_rejected", source: "lib/security", scenario: name, actor, requestId, reason }, "scenario switch refused");
}

async function commitScenario(
  db: Db,
  name: string,
  enabled: boolean,
  expectedVersion: number,
  ctx: ChangeContext,
  requestId: string,
): Promise<ScenarioIntentRow> {
  const result = await db
    .$transaction(async (tx) => {
      const now = new Date();
      // The version bump is the first statement: it takes the intent lock (SQLite write lock,
      // PostgreSQL row lock), so the read below sees every committed switch of this scenario.
      const version = await bumpGlobalVersion(tx, now);
      const current = await tx.scenarioIntent.findUnique({ where: { name } });
      const currentVersion = current?.version ?? 0;
      if (currentVersion !== expectedVersion) {
        throw new ConflictError(
          `Scenario ${name} was changed by ${current?.changedBy ?? "someone"} (version ${currentVersion}, you had ${expectedVersion}); reload and try again`,
          {
            protection: "crowdsec",
            expectedVersion,
            currentVersion,
            changedBy: current?.changedBy ?? null,
            changedAt: current?.changedAt?.toISOString() ?? null,
          },
        );
      }
      if (current && current.enabled === enabled) throw new NoChange(current);
      const row = await tx.scenarioIntent.upsert({
        where: { name },
        create: { name, enabled, version: 1, changedBy: ctx.actor, changedAt: now },
        update: { enabled, version: { increment: 1 }, changedBy: ctx.actor, changedAt: now },
      });
      await writeMirror(tx, [{ key: GLOBAL_VERSION_KEY, value: String(version), type: "number" }], now);
      await appendAudit(tx, {
        at: now,
        actor: ctx.actor,
        action: "scenario",
        protection: "crowdsec",
        before: { scenario: name, enabled: current?.enabled ?? false },
        after: { scenario: name, enabled },
        outcome: "committed",
        error: null,
        requestId,
        configVersion: version,
      });
      return { row, changed: true, version };
    }, TX_OPTIONS)
    .catch((error: unknown) => {
      // Same value again: the transaction (and its version bump) is rolled back; nothing was written.
      if (error instanceof NoChange) return { row: error.row, changed: false, version: null as number | null };
      throw error;
    });
  if (result.changed) {
    announceCommit({ kind: "scenario", version: result.version });
    log.info(
      { event: "scenario_intent_committed", source: "lib/security", scenario: name, enabled, actor: ctx.actor, version: result.version, requestId },
      "scenario intent committed",
    );
  }
  const r = result.row;
  return { name: r.name, enabled: r.enabled, version: r.version, changedBy: r.changedBy, changedAt: r.changedAt?.toISOString() ?? null };
}

/**
 * First init: records the runtime's enabled scenarios as intent, once (only while no scenario has an
 * intent row). One audit row (`adopt_scenarios`, actor system). Returns how many rows it wrote, 0 when
 * intent already existed.
 */
export async function adoptScenarios(db: Db, enabledOnDisk: Iterable<string>, requestId: string = randomUUID()): Promise<number> {
  const names = [...new Set(enabledOnDisk)].filter((n) => ZScenarioName.safeParse(n).success).sort();
  await readIntent(db, requestId);
  const written = await db
    .$transaction(async (tx) => {
      const now = new Date();
      // Lock first (the version bump), then look: two adopters cannot both see an empty table.
      const version = await bumpGlobalVersion(tx, now);
      if (!(await needsAdoption(tx))) throw new AlreadyAdopted();
      if (names.length)
        await tx.scenarioIntent.createMany({ data: names.map((name) => ({ name, enabled: true, version: 1, changedBy: "system", changedAt: now })) });
      await writeMirror(tx, [{ key: GLOBAL_VERSION_KEY, value: String(version), type: "number" }], now);
      await appendAudit(tx, {
        at: now,
        actor: "system",
        action: "adopt_scenarios",
        protection: "crowdsec",
        before: null,
        after: { enabled: names.length, scenarios: names.slice(0, 50) },
        outcome: "committed",
        error: null,
        requestId,
        configVersion: version,
      });
      return names.length;
    }, TX_OPTIONS)
    .catch((error: unknown) => {
      if (error instanceof AlreadyAdopted) return null;
      throw error;
    });
  if (written === null) return 0;
  announceCommit({ kind: "adopt", version: null });
  log.info(
    { event: "scenarios_adopted", source: "lib/security", enabled: written, requestId },
    "first init: the runtime's enabled scenarios recorded as intent",
  );
  return written;
}

class AlreadyAdopted extends Error {}

class NoChange extends Error {
  constructor(readonly row: { name: string; enabled: boolean; version: number; changedBy: string | null; changedAt: Date | null }) {
    super("no change");
  }
}

/** True until the first init recorded the runtime's scenarios (no intent rows, no adoption audit row). */
export async function needsAdoption(db: Db | Tx): Promise<boolean> {
  const [rows, adopted] = await Promise.all([db.scenarioIntent.count(), db.securityAudit.count({ where: { action: "adopt_scenarios" } })]);
  return rows === 0 && adopted === 0;
}
