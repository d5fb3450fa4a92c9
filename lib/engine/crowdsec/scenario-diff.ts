import path from "node:path";
import type { Difference, SurfaceCheck } from "../../drift/drift-report";
import { byName } from "./scenario-paths";
import type { RuntimeScenariosOk } from "./scenario-files";

// The scenarios surface's verdict: the runtime's enabled set against the scenario intent.

const MAX_PROBLEMS = 20;

/**
 * Drift (ADR 007): a scenario enabled on disk whose intent is disabled (no intent row
 * means disabled), or an intent-enabled scenario absent on disk. Differences are sorted by name;
 * the summaries hold counts and the first problems only.
 */
export function compareScenarios(intent: Map<string, boolean>, runtime: RuntimeScenariosOk): SurfaceCheck {
  const extra: string[] = [];
  const missing: string[] = [];
  let wanted = 0;
  for (const name of runtime.enabled.keys()) if (intent.get(name) !== true) extra.push(name);
  for (const [name, on] of intent) {
    if (!on) continue;
    wanted++;
    if (!runtime.enabled.has(name)) missing.push(name);
  }

  const differences: Difference[] = [];
  for (const name of extra) differences.push({ item: `scenario ${name}`, expected: "disabled", actual: "enabled" });
  for (const name of missing) {
    const link = runtime.broken.get(name);
    differences.push({
      item: `scenario ${name}`,
      expected: "enabled",
      actual: link ? `disabled (its link ${path.basename(link)} points to a missing file)` : "disabled",
    });
  }
  differences.sort((a, b) => byName(a.item, b.item));

  return {
    surface: "scenarios",
    verdict: differences.length > 0 ? "drift" : "in_sync",
    differences,
    expected: { enabled: wanted },
    actual: {
      enabled: runtime.enabled.size,
      dir: runtime.dir,
      ignored: runtime.ignored.length,
      problems: runtime.problems.slice(0, MAX_PROBLEMS),
      problemCount: runtime.problems.length,
    },
    reason: null,
  };
}

/** The scenarios surface when the runtime's directory cannot be read. */
export function scenariosCannotVerify(reason: string, intent?: Map<string, boolean>): SurfaceCheck {
  let wanted = 0;
  if (intent) for (const on of intent.values()) if (on) wanted++;
  return { surface: "scenarios", verdict: "cannot_verify", differences: [], expected: intent ? { enabled: wanted } : null, actual: null, reason };
}
