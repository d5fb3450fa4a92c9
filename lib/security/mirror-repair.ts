import "server-only";
import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { ValidationError } from "../errors";
import { log } from "../log";
import { appendAudit } from "../audit/append";
import { announceCommit } from "./intent-events";
import type { ChangeContext } from "./intent-store";
import { TX_OPTIONS, withTransientRetry } from "./intent-transaction";
import { bumpGlobalVersion } from "./config-sql";
import { fullMirror, GLOBAL_VERSION_KEY } from "./mirror";
import { writeMirror } from "./mirror-write";
import { rowToIntent } from "./row-mapping";

/**
 * The settings mirror disagrees with the security config (the `store` drift surface): rewrite the
 * mirror from the config, which is the authoritative copy, and drop security.* keys the config does
 * not have. One commit (global version + 1, per-protection versions unchanged) with an audit row
 * listing what differed.
 */
export async function repairMirror(db: Db, ctx: ChangeContext): Promise<{ version: number; rewritten: string[] }> {
  const requestId = ctx.requestId ?? randomUUID();
  const outcome = await withTransientRetry(() =>
    db.$transaction(async (tx) => {
      const now = new Date();
      const row = await bumpGlobalVersion(tx, now);
      if (!row)
        throw new ValidationError(
          "The security config row is missing: it is recreated from the settings mirror the next time it is read (open the Security page).",
        );
      const intent = rowToIntent(row);
      const wanted = fullMirror(intent);
      const present = await tx.setting.findMany({ where: { key: { startsWith: "security." } } });
      const have = new Map(present.map((s) => [s.key, `${s.type}:${s.value}`]));
      const differing = wanted.filter((e) => e.key !== GLOBAL_VERSION_KEY && have.get(e.key) !== `${e.type}:${e.value}`).map((e) => e.key);
      const stray = present.map((s) => s.key).filter((key) => !wanted.some((e) => e.key === key));
      await writeMirror(tx, wanted, now);
      if (stray.length) await tx.setting.deleteMany({ where: { key: { in: stray } } });
      await appendAudit(tx, {
        at: now,
        actor: ctx.actor,
        action: "repair_mirror",
        protection: null,
        before: Object.fromEntries([...differing, ...stray].map((key) => [key, have.get(key) ?? null])),
        after: Object.fromEntries(differing.map((key) => [key, wanted.find((e) => e.key === key)!.value])),
        outcome: "committed",
        error: null,
        requestId,
        configVersion: intent.version,
      });
      return { version: intent.version, rewritten: [...differing, ...stray] };
    }, TX_OPTIONS),
  );
  announceCommit({ kind: "mirror", version: outcome.version });
  log.info(
    { event: "mirror_repaired", source: "lib/security", actor: ctx.actor, version: outcome.version, keys: outcome.rewritten, requestId },
    "settings mirror rewritten from the security config",
  );
  return outcome;
}
