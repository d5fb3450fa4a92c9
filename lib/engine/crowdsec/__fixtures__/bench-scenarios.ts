// Perf sanity for the scenarios surface (not a unit test): `npx tsx --conditions=react-server lib/engine/crowdsec/__fixtures__/bench-scenarios.ts`.
// Builds an instance in /tmp with a hub of N scenario files (50 authors) and N symlinks to them in
// etc/scenarios (plus 3 local files and a README), then times one full check,
// readRuntimeScenarios + compareScenarios, RUNS times each (default 20), and prints medians:
//   changed:   the directory changed before every check (a file is added each time), so it is
//              listed and every link is read again (readdir + 5,000 readlink): the worst case;
//   unchanged: the directory's mtime has not moved since the last check (the ticker's usual case):
//              the cached listing is reused; the hub and local files are still checked.
// Target: one full check ≤ 50 ms on a 2-core machine for 5,000 links. Last line: one JSON object.
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { compareScenarios } from "../scenario-diff";
import { clearScenarioCaches, readRuntimeScenarios } from "../scenario-files";
import { hubLinkTarget, linkPathFor } from "../scenario-paths";

const N = Number(process.env.BENCH_LINKS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const AUTHORS = 50;

const root = mkdtempSync(path.join(tmpdir(), "warden-bench-scenarios-"));
try {
  const hub = path.join(root, "hub");
  const etc = path.join(root, "etc", "scenarios");
  mkdirSync(etc, { recursive: true });
  const intent = new Map<string, boolean>();
  for (let i = 0; i < N; i++) {
    const author = `author${i % AUTHORS}`;
    const name = `${author}/scenario-${i}`;
    mkdirSync(path.join(hub, "scenarios", author), { recursive: true });
    writeFileSync(path.join(hub, "scenarios", author, `scenario-${i}.yaml`), `type: leaky\nname: ${name}\n`);
    symlinkSync(hubLinkTarget(hub, name), linkPathFor(etc, name));
    intent.set(name, true);
  }
  for (let i = 0; i < 3; i++) {
    writeFileSync(path.join(etc, `local-${i}.yaml`), `name: me/local-${i}a\ntype: leaky\n---\nname: me/local-${i}b\ntype: leaky\n`);
    intent.set(`me/local-${i}a`, true);
    intent.set(`me/local-${i}b`, true);
  }
  writeFileSync(path.join(etc, "README"), "not a scenario\n");
  // A hub is static between upgrades: backdate it past the caches' one-second racy window.
  const settled = new Date(Date.now() - 60_000);
  utimesSync(path.join(hub, "scenarios"), settled, settled);
  for (let a = 0; a < AUTHORS; a++) utimesSync(path.join(hub, "scenarios", `author${a}`), settled, settled);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const round = (x: number) => Math.round(x * 100) / 100;
  const once = (hubDir: string | undefined) => {
    const t0 = performance.now();
    const r = readRuntimeScenarios(etc, hubDir);
    if (!r.ok) throw new Error(r.reason);
    const c = compareScenarios(intent, r);
    const ms = performance.now() - t0;
    if (c.verdict !== "in_sync" || r.enabled.size !== N + 6) throw new Error(`unexpected result: ${c.verdict}, ${r.enabled.size} enabled`);
    return ms;
  };

  // Changed before every check: a new (ignored) file moves the directory's mtime.
  clearScenarioCaches();
  const coldMs = once(hub);
  const changed = Array.from({ length: RUNS }, (_, i) => {
    writeFileSync(path.join(etc, `touch-${i}.txt`), "");
    return once(hub);
  });
  // Unchanged: an mtime older than the racy window, listed once, then checked RUNS times.
  const past = new Date(Date.now() - 60_000);
  utimesSync(etc, past, past);
  once(hub);
  const unchanged = Array.from({ length: RUNS }, () => once(hub));
  // Without a hub directory (each link's target stat'ed), changed every time.
  clearScenarioCaches();
  const noHub = Array.from({ length: RUNS }, (_, i) => {
    writeFileSync(path.join(etc, `nohub-${i}.txt`), "");
    return once(undefined);
  });
  // The floor: the system calls alone (readdir with types + one readlink per link), no parsing.
  const floor = Array.from({ length: RUNS }, () => {
    const t0 = performance.now();
    for (const d of readdirSync(etc, { withFileTypes: true })) if (d.isSymbolicLink()) readlinkSync(path.join(etc, d.name));
    return performance.now() - t0;
  });
  const result = {
    links: N,
    runs: RUNS,
    cold_ms: round(coldMs),
    changed_median_ms: round(median(changed)),
    changed_max_ms: round(Math.max(...changed)),
    unchanged_median_ms: round(median(unchanged)),
    unchanged_max_ms: round(Math.max(...unchanged)),
    changed_without_hub_median_ms: round(median(noHub)),
    syscall_floor_median_ms: round(median(floor)),
    target_ms: 50,
    met: median(changed) <= 50,
  };
  console.log(
    `one full check (readRuntimeScenarios + compareScenarios) over ${N} links, median of ${RUNS}: ` +
      `${result.changed_median_ms} ms when the directory changed (max ${result.changed_max_ms}), ` +
      `${result.unchanged_median_ms} ms when it did not (max ${result.unchanged_max_ms}); cold first check ${result.cold_ms} ms; ` +
      `changed, without the hub (stat per link): ${result.changed_without_hub_median_ms} ms; ` +
      `readdir + readlink alone: ${result.syscall_floor_median_ms} ms`,
  );
  console.log(JSON.stringify(result));
} finally {
  rmSync(root, { recursive: true, force: true });
}
