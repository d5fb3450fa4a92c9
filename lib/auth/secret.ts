import "server-only";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { env } from "../env";
import { log } from "../log";
import { ensureDataDirectory } from "../private-files";
import { authSettings } from "./auth-settings";

/**
 * The key that signs session cookies. WARDEN_AUTH_SECRET wins (set it when several replicas share a
 * database); otherwise one is generated on first start and kept in <WARDEN_DATA_DIR>/auth-secret (0600),
 * so sessions survive a restart.
 */
export function authSecret(): string {
  const fromEnv = authSettings().secret;
  if (fromEnv) return fromEnv;
  const dir = resolve(env().WARDEN_DATA_DIR);
  const file = join(dir, "auth-secret");
  if (existsSync(file)) {
    const secret = readFileSync(file, "utf8").trim();
    if (secret.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters; delete it to generate a new one (signs everyone out)`);
    return secret;
  }
  ensureDataDirectory(dir);
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  log.warn({ event: "auth_secret_created", file }, "no WARDEN_AUTH_SECRET: generated one and stored it in the data directory");
  return secret;
}
