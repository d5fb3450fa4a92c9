import "server-only";
import { scrubConnectionDetails } from "../db-url";

/**
 * Why the database cannot be used, in one sentence fit for any reader: the cause only, never the URL
 * or a part of it (host, port, name, user, password). Unknown driver messages are scrubbed of the
 * connection string's parts. The server log and the CLI name the database separately (`redactUrl`).
 */
export function describeDatabaseError(url: string, error: unknown): string {
  const e = error as { code?: string; message?: string; errno?: number };
  const message = e?.message ?? String(error);
  switch (e?.code) {
    case "ECONNREFUSED":
      return "database unreachable: connection refused (is the PostgreSQL server running, and is the host/port right?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "database unreachable: host name not found";
    case "ETIMEDOUT":
      return "database unreachable: connection timed out";
    case "3D000":
      return "database unreachable: the database does not exist";
    case "28P01":
    case "28000":
      return "database unreachable: authentication failed";
    case "SQLITE_NOTADB":
      return "database unusable: the file is not an SQLite database";
    case "SQLITE_CANTOPEN":
      return "database unusable: cannot open the file (no permission for the server's user?)";
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return "database unusable: it is locked by another process";
    case "SQLITE_READONLY":
      return "database unusable: it is read-only for the server's user";
    case "SQLITE_CORRUPT":
      return "database unusable: the file is corrupt";
    default:
      if (/directory does not exist|unable to open/i.test(message)) return "database unusable: cannot open the file";
      return `database unusable: ${scrubConnectionDetails(message, url)}`;
  }
}
