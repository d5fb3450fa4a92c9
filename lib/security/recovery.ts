import "server-only";
import { appendAudit } from "../audit/append";
import type { Tx } from "../db";
import { log } from "../log";
import { auditSnapshot, type SecurityIntent } from "./intent";
import { fullMirror, readMirror } from "./mirror";
import { writeMirror } from "./mirror-write";
import { DEFAULT_ENABLED, DEFAULT_SETTINGS } from "./spec/defaults";
import { PROTECTIONS, type Protection } from "./spec/protections";
import { ZSettingsRules } from "./spec/schemas";
import { intentColumns, rowToIntent, VERSION_FIELD, type ConfigRow } from "./row-mapping";

export const SYSTEM_ACTOR = "system";

export type RecoverySource = "defaults" | "settings_mirror";

export interface Recreated {
  row: ConfigRow;
  source: RecoverySource;
  invalidProtections: Protection[];
  mirrorKeys: number;
  /** Mirror switches no known spelling reads: the default was used, and the raw rows are kept here. */
  unreadable: { key: string; value: string; type: string | null }[];
}

/** Logged after the recovering transaction commits, so a rolled-back recovery is never reported. */
export function logRecreated(r: Recreated, requestId: string): void {
  log.warn(
    {
      event: "security_config_recreated",
      source: r.source,
      mirrorKeys: r.mirrorKeys,
      invalidMirrorProtections: r.invalidProtections,
      unreadableMirrorRows: r.unreadable,
      crowdsecEnabled: r.row.crowdsecEnabled,
      wafEnabled: r.row.wafEnabled,
      rateLimitEnabled: r.row.rateLimitEnabled,
      version: r.row.version,
      requestId,
    },
    (r.source === "settings_mirror"
      ? "security config was missing: recovered from settings mirror"
      : "security config was missing: initialized from defaults") +
      (r.unreadable.length
        ? `; could not read ${r.unreadable.map((u) => `${u.key}=${JSON.stringify(u.value)} (type ${JSON.stringify(u.type)})`).join(", ")}: the default was used`
        : ""),
  );
}

/**
 * The "stuck toggle" of older panels: the config row is missing (fresh install, a database that predates it,
 * or a deleted row). Recreate it from the Setting mirror when one exists, else from the documented
 * defaults, with a WARN log and an audit row saying which. Runs inside the caller's transaction,
 * after lockIntent().
 */
export async function recreateConfig(tx: Tx, requestId: string): Promise<Recreated> {
  const mirrorRows = await tx.setting.findMany({ where: { key: { startsWith: "security." } } });
  const mirror = readMirror(mirrorRows);
  const source: RecoverySource = mirror.presentKeys.length > 0 ? "settings_mirror" : "defaults";
  // Every commit, compensating ones (`rolled_back`) included, took one global version (ADR 005).
  const committed = await tx.securityAudit.count({ where: { outcome: { in: ["committed", "rolled_back"] } } });
  const now = new Date();

  const invalid: Protection[] = [];
  let columns = {};
  for (const protection of PROTECTIONS) {
    const parsed = ZSettingsRules[protection].safeParse(mirror.settings[protection]);
    const settings = parsed.success ? parsed.data : DEFAULT_SETTINGS[protection];
    if (!parsed.success) invalid.push(protection);
    const enabled = source === "settings_mirror" ? mirror.enabled[protection] : DEFAULT_ENABLED[protection];
    columns = { ...columns, ...intentColumns(protection, enabled, settings as never, SYSTEM_ACTOR, now) };
  }
  // Every open page becomes stale: its versions predate what was recovered.
  const bump = source === "settings_mirror" ? 1 : 0;
  const versions = Object.fromEntries(PROTECTIONS.map((p) => [VERSION_FIELD[p], mirror.versions[p] + bump]));
  const row = await tx.securityConfig.create({ data: { id: 1, ...columns, ...versions, version: committed + 1 } });
  const intent: SecurityIntent = rowToIntent(row);
  await writeMirror(tx, fullMirror(intent), now);
  await appendAudit(tx, {
    at: now,
    actor: SYSTEM_ACTOR,
    action: source === "settings_mirror" ? "recover" : "initialize",
    protection: null,
    before: null,
    after: Object.fromEntries(PROTECTIONS.map((p) => [p, auditSnapshot(intent[p])])),
    outcome: "committed",
    error: recoveryNotes(invalid, mirror.unreadable),
    requestId,
    configVersion: row.version,
  });
  return { row, source, invalidProtections: invalid, mirrorKeys: mirror.presentKeys.length, unreadable: mirror.unreadable };
}

/** What the audit row says about mirror values that were not used as they stood (raw values kept). */
function recoveryNotes(invalid: Protection[], unreadable: Recreated["unreadable"]): string | null {
  const notes = [
    ...(invalid.length ? [`invalid mirror values replaced by defaults for: ${invalid.join(", ")}`] : []),
    ...unreadable.map((u) => `unreadable mirror value ${u.key}=${JSON.stringify(u.value)} (type ${JSON.stringify(u.type)}): the default was used`),
  ];
  return notes.length ? notes.join("; ") : null;
}
