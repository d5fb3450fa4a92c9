import "server-only";
import path from "node:path";
import type { SurfaceCheck } from "../../drift/drift-report";
import type { SecurityIntent } from "../../security/intent";
import { writeFileAtomic } from "../atomic-write";
import type { ApplyResult, ProtectionDriver, RuntimeDriver, RuntimeObservation } from "../drivers";
import { compareAppsec, readTuningFile, type TuningFileObservation } from "./tuning-diff";
import { renderTuningFile } from "./tuning-file";
import { wafSettings, type WafRuntimeSettings } from "./settings";

// The WAF's runtime until the edge exists: the OWASP CRS tuning file rendered from the
// WAF intent. Saving a WAF setting, boot and Apply all render it through this driver (the WAF's
// applier queue), so drift never reports the panel's own change. No proxy loads the file yet: the
// card says so ("rendered"), and nothing is ever shown as enforced.

export interface TuningFileReport {
  path: string;
  written: boolean;
}

/** The tuning file as a runtime: render, observe, diff, apply. */
export class WafTuningFile implements RuntimeDriver<string, TuningFileObservation, TuningFileReport> {
  readonly name = "WAF tuning file";
  readonly protection = "waf" as const;
  readonly surface = "appsec" as const;
  readonly settleMs = 5_000;

  constructor(readonly settings: WafRuntimeSettings = wafSettings()) {}

  get file(): string {
    return this.settings.tuningFile;
  }

  watchPaths(): string[] {
    return [path.dirname(this.settings.tuningFile)];
  }

  async render(intent: SecurityIntent): Promise<string> {
    return renderTuningFile(intent.waf.settings);
  }

  async observe(): Promise<TuningFileObservation> {
    return readTuningFile(this.file);
  }

  diff(_desired: string, observed: TuningFileObservation, intent: SecurityIntent): SurfaceCheck {
    return compareAppsec({ enabled: intent.waf.enabled, settings: intent.waf.settings }, observed, this.file);
  }

  /** Writes the file (atomically) only when its body differs from the rendering; comments do not count. */
  async apply(intent: SecurityIntent): Promise<TuningFileReport> {
    const content = await this.render(intent);
    const current = await this.observe();
    if (current.kind === "text" && sameIgnoringComments(current.text, content)) return { path: this.file, written: false };
    writeFileAtomic(this.file, content);
    return { path: this.file, written: true };
  }
}

function sameIgnoringComments(a: string, b: string): boolean {
  const body = (t: string) =>
    t
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n")
      .trim();
  return body(a) === body(b);
}

/** The WAF protection's driver (its applier and card): the tuning file, and what is true about it. */
export class WafDriver implements ProtectionDriver {
  readonly protection = "waf" as const;

  constructor(readonly tuning: WafTuningFile = new WafTuningFile()) {}

  async apply(first: SecurityIntent, _signal: AbortSignal, latest?: () => Promise<SecurityIntent>): Promise<ApplyResult> {
    const t0 = Date.now();
    const intent = latest ? await latest() : first;
    const version = intent.waf.version;
    try {
      await this.tuning.apply(intent);
    } catch (error) {
      return {
        status: "failed",
        version,
        ms: Date.now() - t0,
        error: `The WAF tuning file ${this.tuning.file} could not be written: ${(error as Error).message}`,
        intent,
      };
    }
    return { status: "applied", version, ms: Date.now() - t0, observation: await this.observe(), intent };
  }

  async observe(): Promise<RuntimeObservation> {
    const observedAt = new Date().toISOString();
    const file = this.tuning.file;
    const observed = await this.tuning.observe();
    if (observed.kind === "missing") {
      return {
        protection: "waf",
        state: "rendered",
        summary: `Tuning file not rendered yet (${file}); no proxy loads it yet, so nothing enforces these settings.`,
        observedAt,
        details: { tuningFile: file, rendered: false },
      };
    }
    if (observed.kind === "unreadable") {
      return { protection: "waf", state: "failed", summary: `The tuning file cannot be read: ${observed.reason}.`, observedAt, details: { tuningFile: file } };
    }
    return {
      protection: "waf",
      state: "rendered",
      summary: `Tuning file rendered (${file}); no proxy loads it yet, so nothing enforces these settings.`,
      observedAt,
      details: { tuningFile: file, rendered: true },
    };
  }
}
