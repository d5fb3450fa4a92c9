import "server-only";
import { existsSync, statSync } from "node:fs";
import { createPrivateFile, ensurePrivateFile } from "./private-files";
import { basename, dirname, resolve } from "node:path";

export type Provider = "sqlite" | "postgresql";

export function providerOf(url: string): Provider {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  throw new Error("DATABASE_URL must be a file: URL (SQLite) or a postgres:// URL (PostgreSQL)");
}

/**
 * The file path of a `file:` URL. Relative paths resolve against the working directory (as
 * Prisma's do). With `createDir`, the directory is created (better-sqlite3 cannot, and fails with an
 * opaque "External error") and the file too, private (lib/private-files.ts).
 */
export function sqlitePath(url: string, { createDir = true } = {}): string {
  const raw = url.replace(/^file:/, "").replace(/\?.*$/, "");
  const path = resolve(raw);
  if (createDir) {
    // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the same mode.
    createPrivateFile(path);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file) && statSync(file).isFile()) ensurePrivateFile(file);
  }
  return path;
}

/**
 * The database a URL points at, for the server log and the CLI: provider, host, port and database
 * name (or the SQLite path), never a user, a password or the query string (where drivers also take a
 * password). Responses never carry even this: see `scrubConnectionDetails`.
 */
export function redactUrl(url: string): string {
  if (url.startsWith("file:")) return url.replace(/\?.*$/, "");
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparseable database URL)";
  }
}

/** Every piece of a connection string that could identify or open the database. */
function connectionParts(url: string): string[] {
  const parts = new Set<string>([url]);
  if (url.startsWith("file:")) {
    const raw = url.replace(/^file:/, "").replace(/\?.*$/, "");
    parts.add(raw);
    parts.add(resolve(raw));
    parts.add(dirname(resolve(raw)));
    parts.add(basename(raw));
  } else {
    try {
      const u = new URL(url);
      for (const part of [u.username, u.password, u.hostname, u.port, u.pathname.slice(1)]) parts.add(decodeURIComponent(part));
      for (const [key, value] of u.searchParams) {
        parts.add(value);
        if (/pass|secret|token|key/i.test(key)) parts.add(key + "=" + value);
      }
    } catch {
      /* the whole URL is already in the set */
    }
  }
  return [...parts].filter((p) => p.length >= 2).sort((a, b) => b.length - a.length);
}

/**
 * Text fit for a client: every part of the connection string (user, password, host, port, database
 * name, query values, SQLite path) replaced. Driver messages quote hosts and names ("database \"x\"
 * does not exist", "connect ECONNREFUSED 10.0.0.5:5432"); a response must not.
 */
export function scrubConnectionDetails(text: string, url: string): string {
  let out = text;
  for (const part of connectionParts(url)) out = out.split(part).join("…");
  return out;
}
