import "server-only";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import path from "node:path";
import { DomainError } from "../../errors";
import type { CrowdsecRuntimeSettings } from "./settings";

// The Debian package an instance is made from (its binaries, offline hub and configuration): is it
// installed, and if not, the one sentence that says what is missing and how to install it.

export const INSTALL_HINT = "Install it with `sudo bash scripts/install-crowdsec.sh` (offline, see README).";

/** The Debian package is missing (or incomplete): the panel refuses to turn local CrowdSec on. */
export class NotInstalledError extends DomainError {
  readonly missing: string;
  constructor(missing: string) {
    super("NOT_INSTALLED", notInstalledSentence(missing));
    this.missing = missing;
  }
}

/** One sentence: what is missing and how to install it. */
export function notInstalledSentence(missing: string): string {
  return `CrowdSec is not installed (${missing}); ${INSTALL_HINT.charAt(0).toLowerCase()}${INSTALL_HINT.slice(1)}`;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Names the first missing binary or package file, or null when everything needed is there. */
export function missingPackage(s: CrowdsecRuntimeSettings): string | null {
  if (!isExecutableFile(s.bin)) return `${s.bin} is missing`;
  if (!isExecutableFile(s.cscli)) return `${s.cscli} is missing`;
  const index = path.join(s.shareDir, "hub", ".index.json");
  if (!existsSync(index)) return `${index} is missing`;
  for (const f of ["patterns", "profiles.yaml", "simulation.yaml"]) {
    const p = path.join(s.etcDir, f);
    if (!existsSync(p)) return `${p} is missing`;
  }
  return null;
}
