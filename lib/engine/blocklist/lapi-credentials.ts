import "server-only";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { env } from "../../env";
import { log } from "../../log";
import { singleton } from "../../process-registry";
import type { SecurityIntent } from "../../security/intent";
import { writeFileAtomic } from "../atomic-write";
import { instanceExists } from "../crowdsec/instance";
import { instancePaths, localLapiUrl, type CrowdsecRuntimeSettings } from "../crowdsec/settings";

// What Warden needs to talk to LAPI: a bouncer key (read the decisions) and machine credentials
// (ban, unban, alerts). On the managed instance the panel creates both (the machine at instance
// creation, the bouncer here) and keeps them in files readable by its own user only (0600); for an
// external LAPI the admin gives them in the environment. Neither is ever sent to the browser.

export const BOUNCER_NAME = "warden-edge";

export interface LapiAccess {
  mode: "local" | "external";
  url: string;
  bouncerKey: string | null;
  /** Why there is no bouncer key (the loop cannot read decisions). */
  bouncerProblem: string | null;
  machine: { login: string; password: string } | null;
  /** Why there are no machine credentials (ban, unban and alerts are disabled). */
  machineProblem: string | null;
}

export function bouncerKeyFile(s: CrowdsecRuntimeSettings): string {
  return path.join(instancePaths(s).etc, "warden-bouncer.key");
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** The machine credentials cscli wrote at instance creation (url, login, password lines). */
export function readMachineCredentials(s: CrowdsecRuntimeSettings): { login: string; password: string } | null {
  const text = readOrNull(instancePaths(s).credentials);
  if (text === null) return null;
  const field = (name: string) => new RegExp(`^${name}:\\s*"?([^"\\n]+?)"?\\s*$`, "m").exec(text)?.[1] ?? null;
  const login = field("login");
  const password = field("password");
  return login && password ? { login, password } : null;
}

const KEY_PATTERN = /^[A-Za-z0-9]{32}$/;

function cscli(s: CrowdsecRuntimeSettings, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(s.cscli, ["-c", instancePaths(s).config, ...args, "--error"], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`cscli ${args.slice(0, 2).join(" ")} failed: ${`${stderr}\n${stdout}`.trim().split("\n").slice(-2).join(" | ") || error.message}`));
      else resolve();
    });
  });
}

/**
 * The managed instance's bouncer key: read from its 0600 file, or created (a random key registered
 * with `cscli bouncers add warden-edge -k …`, replacing a registration whose key was lost).
 */
export function ensureManagedBouncerKey(s: CrowdsecRuntimeSettings): Promise<string> {
  // One registration at a time per instance: two callers each registering a key of their own would
  // leave the file holding one and LAPI the other (the loop, the card and an action can all ask at once).
  const file = bouncerKeyFile(s);
  const pending = registering.get(file);
  if (pending) return pending;
  const run = registerBouncer(s, file).finally(() => registering.delete(file));
  registering.set(file, run);
  return run;
}

// In the process registry: Next.js may load this module twice (the loop's copy and the routes').
const registering = singleton("bouncer-registrations", () => new Map<string, Promise<string>>());

async function registerBouncer(s: CrowdsecRuntimeSettings, file: string): Promise<string> {
  const existing = readOrNull(file)?.trim() ?? "";
  if (KEY_PATTERN.test(existing)) return existing;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const key = Array.from(randomBytes(32), (b) => alphabet[b % alphabet.length]).join("");
  await cscli(s, ["bouncers", "delete", BOUNCER_NAME]).catch(() => undefined); // absent: nothing to replace
  await cscli(s, ["bouncers", "add", BOUNCER_NAME, "-k", key]);
  writeFileAtomic(file, `${key}\n`, 0o600);
  log.info({ event: "blocklist.bouncer_registered", bouncer: BOUNCER_NAME }, "registered Warden's bouncer with the managed LAPI");
  return key;
}

/** The managed bouncer key LAPI refused: removed, so the next access registers a new one. */
export function forgetManagedBouncerKey(s: CrowdsecRuntimeSettings): void {
  rmSync(bouncerKeyFile(s), { force: true });
  log.warn({ event: "blocklist.bouncer_key_refused", bouncer: BOUNCER_NAME }, "the managed LAPI refused Warden's bouncer key: registering the bouncer again");
}

/** Where Warden's LAPI credentials come from for this intent; creates the managed bouncer key if needed. */
export async function lapiAccess(intent: SecurityIntent, s: CrowdsecRuntimeSettings): Promise<LapiAccess> {
  const settings = intent.crowdsec.settings;
  if (settings.mode === "external") {
    const e = env();
    const url = settings.lapiUrl ?? "";
    const machine =
      e.CROWDSEC_EXTERNAL_MACHINE_ID && e.CROWDSEC_EXTERNAL_MACHINE_PASSWORD
        ? { login: e.CROWDSEC_EXTERNAL_MACHINE_ID, password: e.CROWDSEC_EXTERNAL_MACHINE_PASSWORD }
        : null;
    return {
      mode: "external",
      url,
      bouncerKey: e.CROWDSEC_EXTERNAL_BOUNCER_KEY ?? null,
      bouncerProblem: e.CROWDSEC_EXTERNAL_BOUNCER_KEY ? null : "no bouncer key for the external LAPI: set CROWDSEC_EXTERNAL_BOUNCER_KEY (cscli bouncers add)",
      machine,
      machineProblem: machine
        ? null
        : "ban, unban and alerts need machine credentials for the external LAPI: set CROWDSEC_EXTERNAL_MACHINE_ID and CROWDSEC_EXTERNAL_MACHINE_PASSWORD (cscli machines add)",
    };
  }
  const url = localLapiUrl(s);
  if (!instanceExists(s)) {
    const why = "the managed CrowdSec instance does not exist yet (enable CrowdSec or run `npm run cli -- crowdsec:init`)";
    return { mode: "local", url, bouncerKey: null, bouncerProblem: why, machine: null, machineProblem: why };
  }
  const machine = readMachineCredentials(s);
  let bouncerKey: string | null = null;
  let bouncerProblem: string | null = null;
  try {
    bouncerKey = await ensureManagedBouncerKey(s);
  } catch (error) {
    bouncerProblem = `could not register Warden's bouncer: ${(error as Error).message}`;
  }
  return {
    mode: "local",
    url,
    bouncerKey,
    bouncerProblem,
    machine,
    machineProblem: machine ? null : `the managed instance's machine credentials (${instancePaths(s).credentials}) are missing or unreadable`,
  };
}
