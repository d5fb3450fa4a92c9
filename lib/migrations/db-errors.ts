import { redactUrl } from "../db-url";

/**
 * One sentence naming the database (password redacted) and the cause, for the CLI, the report and the
 * logs: never a stack trace as the only message.
 */
export function describeDatabaseError(url: string, error: unknown): string {
  const e = error as { code?: string; message?: string; errno?: number };
  const where = redactUrl(url);
  const message = e?.message ?? String(error);
  const cause = (() => {
    switch (e?.code) {
      case "ECONNREFUSED":
        return "connection refused (is the PostgreSQL server running, and is the host/port right?)";
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return "host name not found";
      case "ETIMEDOUT":
        return "connection timed out";
      case "3D000":
        return `database does not exist (${message})`;
      case "28P01":
      case "28000":
        return "authentication failed for this user";
      case "SQLITE_NOTADB":
        return "the file is not an SQLite database";
      case "SQLITE_CANTOPEN":
        return "cannot open the file (no permission for the server's user?)";
      case "SQLITE_BUSY":
      case "SQLITE_LOCKED":
        return "the database is locked by another process";
      case "SQLITE_READONLY":
        return "the database is read-only for the server's user";
      case "SQLITE_CORRUPT":
        return "the database file is corrupt";
      default:
        if (/directory does not exist|unable to open/i.test(message)) return `cannot open the file (${message})`;
        return message;
    }
  })();
  return `database ${where}: ${cause}`;
}
