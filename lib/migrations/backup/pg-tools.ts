import "server-only";
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { env } from "../../env";
import { PRIVATE_FILE_MODE } from "../../private-files";
import type { RawConnection } from "../connection";
import { BackupError } from "./catalog";

// PostgreSQL's own client programs (Debian's postgresql-client-<major>): pg_dump -Fc makes the
// backup, pg_restore --clean turns it back into SQL, psql applies that SQL in one transaction.
// The connection goes to them through libpq's environment (PGHOST, PGPASSWORD, …), never as an
// argument: arguments are visible to every user in `ps`.

export type PgTool = "pg_dump" | "pg_restore" | "psql";

export interface PgToolInfo {
  tool: PgTool;
  path: string;
  version: string;
  major: number;
}

function installHint(serverMajor: number | null): string {
  const pkg = serverMajor ? `postgresql-client-${serverMajor}` : "postgresql-client";
  return `install Debian's ${pkg} (\`apt-get install ${pkg}\`; majors newer than the distribution's come from apt.postgresql.org) or set WARDEN_PG_BIN_DIR to the directory that has it (e.g. /usr/lib/postgresql/${serverMajor ?? "<major>"}/bin)`;
}

/** The tool's path: in WARDEN_PG_BIN_DIR when set, else the first on PATH. */
export function locateTool(tool: PgTool, binDir: string | undefined = env().WARDEN_PG_BIN_DIR): string | null {
  // eslint-disable-next-line no-restricted-properties -- PATH is the OS's lookup path, not Warden's configuration
  const dirs = binDir ? [binDir] : (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const path = join(dir, tool);
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return null;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a client program; rejects with the tail of its stderr when it fails. */
// eslint-disable-next-line no-restricted-properties -- the environment handed to a child process
export function runTool(path: string, args: string[], toolEnv: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env: toolEnv, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (error) => reject(new BackupError(`${path} could not be run: ${error.message}`)));
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8").trim();
      if (code === 0) resolve({ stdout, stderr });
      else reject(new BackupError(`${path.split("/").pop()} failed (${signal ?? `exit ${code}`}): ${stderr.split("\n").slice(-4).join(" ") || "no message"}`));
    });
  });
}

/** `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` → 15.20, major 15 (9.6 → major 9). */
export function parseToolVersion(output: string): { version: string; major: number } | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(output);
  if (!match) return null;
  return { version: [match[1], match[2], match[3]].filter(Boolean).join("."), major: Number(match[1]) };
}

export async function serverMajor(conn: RawConnection): Promise<{ version: string; major: number }> {
  const [row] = await conn.query<{ server_version_num: string; server_version: string }>(
    "SELECT current_setting('server_version_num') AS server_version_num, current_setting('server_version') AS server_version",
  );
  const num = Number(row!.server_version_num);
  return { version: row!.server_version.split(" ")[0]!, major: Math.floor(num / 10_000) };
}

/**
 * Finds the tools and checks that each can work with the server: pg_dump refuses a server of a newer
 * major, and a newer pg_dump's archive is unreadable to an older pg_restore. Throws what to install.
 */
export async function checkPgTools(tools: PgTool[], server: { version: string; major: number }): Promise<Record<PgTool, PgToolInfo>> {
  const found = {} as Record<PgTool, PgToolInfo>;
  for (const tool of tools) {
    const path = locateTool(tool);
    if (!path) {
      const where = env().WARDEN_PG_BIN_DIR ? `in WARDEN_PG_BIN_DIR (${env().WARDEN_PG_BIN_DIR})` : "on the PATH";
      throw new BackupError(`${tool} was not found ${where}; it is needed to back up and restore PostgreSQL: ${installHint(server.major)}`);
    }
    const { stdout } = await runTool(path, ["--version"]);
    const parsed = parseToolVersion(stdout);
    if (!parsed) throw new BackupError(`${path} --version answered "${stdout.trim()}", not a PostgreSQL client version: ${installHint(server.major)}`);
    if (parsed.major < server.major) {
      throw new BackupError(
        `${tool} ${parsed.version} (${path}) is older than the PostgreSQL ${server.version} server and cannot ${tool === "pg_dump" ? "dump" : "restore into"} it: ${installHint(server.major)}`,
      );
    }
    found[tool] = { tool, path, ...parsed };
  }
  return found;
}

/** libpq's environment for a postgres:// URL (inherited PG* variables dropped: the URL decides). */
export function pgEnvironment(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  // eslint-disable-next-line no-restricted-properties -- the environment handed to a child process, without the caller's PG* variables
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PG")));
  const params = u.searchParams;
  const host = params.get("host") ?? decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, "$1");
  const vars: Record<string, string | undefined> = {
    PGHOST: host || undefined,
    PGPORT: params.get("port") ?? (u.port || undefined),
    PGUSER: decodeURIComponent(u.username) || undefined,
    PGPASSWORD: decodeURIComponent(u.password) || params.get("password") || undefined,
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)) || undefined,
    PGSSLMODE: params.get("sslmode") ?? undefined,
    PGCONNECT_TIMEOUT: "10",
    PGAPPNAME: "warden-backup",
    // Prisma's `?schema=` names the schema Warden's tables are in; psql must resolve names there too.
    PGOPTIONS: `-c client_min_messages=warning${params.get("schema") ? ` -c search_path=${params.get("schema")}` : ""}`,
  };
  return { ...base, ...Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== undefined)) } as NodeJS.ProcessEnv;
}

/** `pg_dump -Fc` of the whole database into `destination`, created 0600 first (it must not exist). */
export async function pgDumpTo(pgDump: PgToolInfo, url: string, destination: string): Promise<void> {
  closeSync(openSync(destination, "wx", PRIVATE_FILE_MODE));
  await runTool(pgDump.path, ["--format=custom", "--no-password", `--file=${destination}`], pgEnvironment(url));
}

/**
 * Removes every table, view, sequence and type of the connection's schema first, so the result is
 * exactly the backup (a table a later migration created would otherwise survive `--clean`, which
 * only drops what the archive itself contains).
 */
const EMPTY_SCHEMA = `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      current_schema(), r.relname);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I.%I CASCADE', current_schema(), r.typname);
  END LOOP;
END $$;`;

/**
 * Restores a `pg_dump -Fc` archive into the database at `url`, all or nothing: `pg_restore --clean
 * --if-exists` writes the SQL into `scriptPath` (0600; checked complete before anything runs), then
 * psql runs the schema wipe and that script in one transaction. `scriptPath` is removed by the caller.
 */
export async function pgRestoreInto(tools: Record<"pg_restore" | "psql", PgToolInfo>, url: string, archive: string, scriptPath: string): Promise<void> {
  closeSync(openSync(scriptPath, "wx", PRIVATE_FILE_MODE));
  await runTool(tools.pg_restore.path, ["--clean", "--if-exists", "--no-owner", "--no-privileges", `--file=${scriptPath}`, archive]);
  await runTool(
    tools.psql.path,
    [
      "--no-psqlrc",
      "--quiet",
      "--no-password",
      "--set=ON_ERROR_STOP=1",
      "--single-transaction",
      "--output=/dev/null",
      `--command=${EMPTY_SCHEMA}`,
      `--file=${scriptPath}`,
    ],
    pgEnvironment(url),
  );
}

export const PG_MAGIC = Buffer.from("PGDMP", "latin1");
