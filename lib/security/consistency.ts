import "server-only";
import type { Db } from "../db";
import { fullMirror, GLOBAL_VERSION_KEY } from "./mirror";
import { rowToIntent } from "./row-mapping";
import { RETIRED_MIRROR_KEYS } from "./spec/mirror-keys";

export interface StoreMismatch {
  key: string;
  /** What SecurityConfig says, as the mirror would store it; null when the config has no such field. */
  config: string | null;
  /** What the Setting mirror holds; null when the key is missing. */
  mirror: string | null;
}

export interface StoreConsistency {
  consistent: boolean;
  configPresent: boolean;
  mismatches: StoreMismatch[];
  checkedAt: string;
}

/**
 * Compares SecurityConfig with its Setting mirror, key by key, without changing either (a later
 * drift surface, `store`, reports the result). A missing config row is itself inconsistent.
 */
export async function checkStoreConsistency(db: Db): Promise<StoreConsistency> {
  const [row, settings] = await Promise.all([
    db.securityConfig.findUnique({ where: { id: 1 } }),
    db.setting.findMany({ where: { key: { startsWith: "security." } }, orderBy: { key: "asc" } }),
  ]);
  const checkedAt = new Date().toISOString();
  const mirror = new Map(settings.map((s) => [s.key, `${s.type}:${s.value}`]));
  if (!row) {
    return {
      consistent: false,
      configPresent: false,
      mismatches: settings.map((s) => ({ key: s.key, config: null, mirror: `${s.type}:${s.value}` })),
      checkedAt,
    };
  }
  const expected = fullMirror(rowToIntent(row));
  const mismatches: StoreMismatch[] = [];
  for (const e of expected) {
    const want = `${e.type}:${e.value}`;
    const have = mirror.get(e.key) ?? null;
    if (have !== want) mismatches.push({ key: e.key, config: want, mirror: have });
    mirror.delete(e.key);
  }
  // Keys of retired settings: nothing reads them (the conversion that retired them also deleted them).
  for (const [key, value] of mirror) if (!RETIRED_MIRROR_KEYS.includes(key)) mismatches.push({ key, config: null, mirror: value });
  mismatches.sort((a, b) => (a.key === GLOBAL_VERSION_KEY ? -1 : b.key === GLOBAL_VERSION_KEY ? 1 : a.key.localeCompare(b.key)));
  return { consistent: mismatches.length === 0, configPresent: true, mismatches, checkedAt };
}
