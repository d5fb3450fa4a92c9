import "server-only";
import { Prisma } from "../generated/sqlite/client";
import type { Tx } from "../db";
import { MIRROR_CATEGORY, type MirrorEntry } from "./mirror";

/**
 * Upserts mirror entries in one statement (the same SQL runs on SQLite and PostgreSQL). Only
 * lib/security calls this, inside the transaction that writes SecurityConfig.
 */
export async function writeMirror(tx: Tx, entries: MirrorEntry[], at: Date): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => Prisma.sql`(${e.key}, ${e.value}, ${e.type}, ${MIRROR_CATEGORY}, ${at})`);
  await tx.$executeRaw`
    INSERT INTO "settings" ("key", "value", "type", "category", "updated_at")
    VALUES ${Prisma.join(rows)}
    ON CONFLICT ("key") DO UPDATE SET
      "value" = excluded."value", "type" = excluded."type",
      "category" = excluded."category", "updated_at" = excluded."updated_at"`;
}
