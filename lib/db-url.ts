import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

export type Provider = "sqlite" | "postgresql";

export function providerOf(url: string): Provider {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  throw new Error("DATABASE_URL must be a file: URL (SQLite) or a postgres:// URL (PostgreSQL)");
}

/**
 * The file path of a `file:` URL. Relative paths resolve against the working directory (as
 * Prisma's do); the directory is created because better-sqlite3 cannot create it and otherwise
 * fails with an opaque "External error".
 */
export function sqlitePath(url: string, { createDir = true } = {}): string {
  const raw = url.replace(/^file:/, "").replace(/\?.*$/, "");
  const path = resolve(raw);
  if (createDir) mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** A URL safe to print: credentials removed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}
