import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { instancePaths, type CrowdsecRuntimeSettings } from "../engine/crowdsec/settings";
import type { SecurityIntent } from "../security/intent";

// Where the runtime keeps what the drift surfaces read.

/** The runtime's scenario directories: the managed instance's (local mode). */
export function scenarioDirs(
  s: CrowdsecRuntimeSettings,
  intent: SecurityIntent,
): { scenarios: string; hub: string } | { reason: string; notCreated?: boolean } {
  if (intent.crowdsec.settings.mode === "external") {
    const dir = process.env.CROWDSEC_EXTERNAL_CONFIG_DIR;
    if (!dir) return { reason: "CrowdSec runs externally and CROWDSEC_EXTERNAL_CONFIG_DIR is not set, so its scenario directory cannot be read." };
    return { scenarios: path.join(dir, "scenarios"), hub: process.env.CROWDSEC_EXTERNAL_HUB_DIR ?? path.join(dir, "hub") };
  }
  const p = instancePaths(s);
  if (!existsSync(p.marker) && !existsSync(p.etc)) {
    return {
      reason: `The managed CrowdSec instance ${p.dir} does not exist yet (it is created when CrowdSec is first enabled, or by \`npm run cli -- crowdsec:init\`).`,
      notCreated: true,
    };
  }
  return { scenarios: path.join(p.etc, "scenarios"), hub: p.hub };
}

export function readTuning(file: string): { kind: "missing" } | { kind: "unreadable"; reason: string } | { kind: "text"; text: string } {
  try {
    return { kind: "text", text: readFileSync(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    if (code === "EISDIR") return { kind: "unreadable", reason: `${file} is a directory, not a file` };
    if (code === "EACCES") return { kind: "unreadable", reason: `permission denied reading ${file}` };
    return { kind: "unreadable", reason: `${file}: ${(error as Error).message}` };
  }
}

