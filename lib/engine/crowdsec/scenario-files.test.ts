import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { readHubScenarios, hubProblem } from "./hub-index";
import { compareScenarios } from "./scenario-diff";
import { clearScenarioCaches, readRuntimeScenarios, type RuntimeScenarios, type RuntimeScenariosOk } from "./scenario-files";
import { hubLinkTarget, linkPathFor } from "./scenario-paths";

// Real fixture directories: an instance D with D/hub/scenarios/<author>/<stem>.yaml and
// D/etc/scenarios/ holding links and local files, as CrowdSec's hub lays them out.

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
beforeEach(() => clearScenarioCaches());

const hubYaml = (name: string) => `type: leaky\nname: ${name}\ndescription: "test"\nfilter: "true"\ncapacity: 5\nleakspeed: 10s\n`;

function instance(
  hubItems: string[] = ["crowdsecurity/ssh-bf", "crowdsecurity/http-probing", "ltsich/http-w00tw00t", "crowdsecurity/nginx-req-limit-exceeded"],
) {
  const root = mkdtempSync(path.join(tmpdir(), "warden-scenarios-"));
  chmodSync(root, 0o755);
  roots.push(root);
  const hub = path.join(root, "hub");
  const etc = path.join(root, "etc", "scenarios");
  mkdirSync(etc, { recursive: true });
  for (const name of hubItems) {
    const [author, stem] = name.split("/") as [string, string];
    mkdirSync(path.join(hub, "scenarios", author), { recursive: true });
    writeFileSync(path.join(hub, "scenarios", author, `${stem}.yaml`), hubYaml(name));
    writeFileSync(path.join(hub, "scenarios", author, `${stem}.md`), "# docs\n");
  }
  const link = (name: string) => symlinkSync(hubLinkTarget(hub, name), linkPathFor(etc, name));
  return { root, hub, etc, link };
}

/** Backdates a hub's directories past the caches' racy window, as a hub that has settled. */
function age(hub: string) {
  const old = new Date("2024-01-01T00:00:00Z");
  const root = path.join(hub, "scenarios");
  utimesSync(root, old, old);
  for (const a of readdirSync(root, { withFileTypes: true })) if (a.isDirectory()) utimesSync(path.join(root, a.name), old, old);
}

function ok(r: RuntimeScenarios): RuntimeScenariosOk {
  if (!r.ok) throw new Error(`expected ok, got: ${r.reason}`);
  return r;
}
const summary = (r: RuntimeScenariosOk) => Object.fromEntries([...r.enabled].map(([n, i]) => [n, i.kind]));

describe("readRuntimeScenarios", () => {
  it("names symlinked hub items <author>/<stem> from their target, with the link's path", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    d.link("ltsich/http-w00tw00t");
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(summary(r)).toEqual({ "crowdsecurity/ssh-bf": "hub", "ltsich/http-w00tw00t": "hub" });
    expect(r.enabled.get("crowdsecurity/ssh-bf")).toEqual({ file: path.join(d.etc, "ssh-bf.yaml"), kind: "hub" });
    expect(r.problems).toEqual([]);
    expect(r.dir).toBe(d.etc);
    // Without the hub, each target is checked on its own: same answer.
    expect(summary(ok(readRuntimeScenarios(d.etc)))).toEqual(summary(r));
  });

  it("resolves relative link targets, and reads .yml links and hub files", () => {
    const d = instance();
    symlinkSync("../../hub/scenarios/crowdsecurity/http-probing.yaml", path.join(d.etc, "http-probing.yaml"));
    writeFileSync(path.join(d.hub, "scenarios", "crowdsecurity", "old.yml"), hubYaml("crowdsecurity/old"));
    symlinkSync(path.join(d.hub, "scenarios", "crowdsecurity", "old.yml"), path.join(d.etc, "old.yml"));
    symlinkSync(`${d.hub}/scenarios/./crowdsecurity/../crowdsecurity/ssh-bf.yaml`, path.join(d.etc, "ssh-bf.yaml"));
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(summary(r)).toEqual({ "crowdsecurity/http-probing": "hub", "crowdsecurity/old": "hub", "crowdsecurity/ssh-bf": "hub" });
    expect(r.problems).toEqual([]);
  });

  it("reads local regular files by their name:, several buckets per file", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    writeFileSync(
      path.join(d.etc, "my-bf.yaml"),
      `# local bruteforce
type: leaky
name: me/custom-bf
labels:
  name: not-this-one
---
# second bucket
type: leaky
name: "me/custom-bf_user-enum"   # quoted
---
`,
    );
    writeFileSync(path.join(d.etc, "single.yml"), "\uFEFFname: 'me/single' # comment\r\ntype: trigger\r\n");
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(summary(r)).toEqual({ "crowdsecurity/ssh-bf": "hub", "me/custom-bf": "local", "me/custom-bf_user-enum": "local", "me/single": "local" });
    expect(r.enabled.get("me/custom-bf_user-enum")).toEqual({ file: path.join(d.etc, "my-bf.yaml"), kind: "local" });
    expect(r.problems).toEqual([]);
  });

  it("reports a local file (or document) without name: as a problem", () => {
    const d = instance();
    writeFileSync(path.join(d.etc, "nameless.yaml"), "type: leaky\ncapacity: 5\n---\nname: me/ok\n---\ntype: trigger\n");
    writeFileSync(path.join(d.etc, "empty.yaml"), "# nothing\n");
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(summary(r)).toEqual({ "me/ok": "local" });
    expect(r.problems.sort()).toEqual([
      "empty.yaml: defines no scenario (the file is empty)",
      "nameless.yaml: YAML document 1 has no name: (CrowdSec cannot load a bucket without one)",
      "nameless.yaml: YAML document 3 has no name: (CrowdSec cannot load a bucket without one)",
    ]);
  });

  it("counts a dangling link as not enabled, and reports it", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    d.link("crowdsecurity/http-probing");
    unlinkSync(path.join(d.hub, "scenarios", "crowdsecurity", "http-probing.yaml"));
    symlinkSync(path.join(d.hub, "scenarios", "gone", "vanished.yaml"), path.join(d.etc, "vanished.yaml"));
    for (const hubDir of [d.hub, undefined]) {
      clearScenarioCaches();
      const r = ok(readRuntimeScenarios(d.etc, hubDir));
      expect(summary(r)).toEqual({ "crowdsecurity/ssh-bf": "hub" });
      expect([...r.broken.keys()].sort()).toEqual(["crowdsecurity/http-probing", "gone/vanished"]);
      expect(r.broken.get("crowdsecurity/http-probing")).toBe(path.join(d.etc, "http-probing.yaml"));
      expect(r.problems.sort()).toEqual([
        `http-probing.yaml links to ${path.join(d.hub, "scenarios", "crowdsecurity", "http-probing.yaml")}, which does not exist: crowdsecurity/http-probing is not enabled (CrowdSec cannot load it)`,
        `vanished.yaml links to ${path.join(d.hub, "scenarios", "gone", "vanished.yaml")}, which does not exist: gone/vanished is not enabled (CrowdSec cannot load it)`,
      ]);
    }
  });

  it("reads a link that is not shaped like a hub item by its content", () => {
    const d = instance();
    const elsewhere = path.join(d.root, "custom.yaml");
    writeFileSync(elsewhere, "name: me/linked\ntype: leaky\n");
    symlinkSync(elsewhere, path.join(d.etc, "linked.yaml"));
    symlinkSync(path.join(d.root, "missing.yaml"), path.join(d.etc, "missing.yaml"));
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(r.enabled.get("me/linked")).toEqual({ file: path.join(d.etc, "linked.yaml"), kind: "local" });
    expect(r.problems).toEqual([`missing.yaml links to ${path.join(d.root, "missing.yaml")}, which does not exist (CrowdSec cannot load it)`]);
  });

  it("notes links into another hub but still counts them", () => {
    const d = instance();
    const other = instance(["crowdsecurity/ssh-bf"]);
    symlinkSync(hubLinkTarget(other.hub, "crowdsecurity/ssh-bf"), path.join(d.etc, "ssh-bf.yaml"));
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(summary(r)).toEqual({ "crowdsecurity/ssh-bf": "hub" });
    expect(r.problems).toEqual([`1 link points outside the hub ${path.join(d.hub, "scenarios")} (ssh-bf.yaml); they are counted by their target's name`]);
  });

  it("ignores (and counts) unknown extra files; a directory named *.yaml is a problem", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    writeFileSync(path.join(d.etc, "README"), "hello");
    writeFileSync(path.join(d.etc, "ssh-bf.yaml.bak"), "name: me/backup\n");
    writeFileSync(path.join(d.etc, "notes.txt"), "");
    mkdirSync(path.join(d.etc, "weird.yaml"));
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(summary(r)).toEqual({ "crowdsecurity/ssh-bf": "hub" });
    expect([...r.ignored].sort()).toEqual(["README", "notes.txt", "ssh-bf.yaml.bak", "weird.yaml"]);
    expect(r.problems).toEqual(["weird.yaml is not a file or a link (ignored)"]);
  });

  it("reports a name enabled twice, counting the first", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    writeFileSync(path.join(d.etc, "zz-copy.yaml"), "name: crowdsecurity/ssh-bf\n");
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(r.enabled.get("crowdsecurity/ssh-bf")?.kind).toBe("hub");
    expect(r.problems).toEqual(["crowdsecurity/ssh-bf is enabled twice (ssh-bf.yaml and zz-copy.yaml); ssh-bf.yaml is counted"]);
  });

  it("refuses a missing directory, a file where the directory should be", () => {
    const d = instance();
    expect(readRuntimeScenarios(path.join(d.root, "nope"))).toEqual({
      ok: false,
      reason: `the runtime's scenarios directory ${path.join(d.root, "nope")} does not exist`,
    });
    const file = path.join(d.root, "file");
    writeFileSync(file, "");
    expect(readRuntimeScenarios(file)).toEqual({ ok: false, reason: `the runtime's scenarios path ${file} is not a directory` });
  });

  it("says permission denied when the server's user cannot read it (run as nobody)", () => {
    const d = instance();
    chmodSync(d.etc, 0o700);
    const script = path.join(d.root, "probe.ts");
    writeFileSync(
      script,
      `import { readRuntimeScenarios } from ${JSON.stringify(path.resolve("lib/engine/crowdsec/scenario-files.ts"))};\nconsole.log(JSON.stringify(readRuntimeScenarios(${JSON.stringify(d.etc)})));\n`,
    );
    chmodSync(script, 0o644);
    const run = spawnSync(
      "setpriv",
      [
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        process.execPath,
        path.resolve("node_modules/tsx/dist/cli.mjs"),
        "--conditions=react-server",
        script,
      ],
      { env: { ...process.env, HOME: tmpdir() }, encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ ok: false, reason: `permission denied reading ${d.etc}` });
  });

  it("parses a local file once while its mtime and size stay the same", () => {
    const d = instance();
    const file = path.join(d.etc, "local.yaml");
    writeFileSync(file, "name: me/one\n");
    const t = new Date("2024-01-01T00:00:00Z");
    utimesSync(file, t, t);
    expect(summary(ok(readRuntimeScenarios(d.etc)))).toEqual({ "me/one": "local" });
    // Same size, same mtime: the cached parse is used (this proves the cache, not a feature).
    writeFileSync(file, "name: me/two\n");
    utimesSync(file, t, t);
    expect(summary(ok(readRuntimeScenarios(d.etc)))).toEqual({ "me/one": "local" });
    // A new mtime: read again.
    utimesSync(file, new Date(), new Date());
    expect(summary(ok(readRuntimeScenarios(d.etc)))).toEqual({ "me/two": "local" });
  });
});

describe("readRuntimeScenarios: the directory listing cache", () => {
  const old = new Date("2024-01-01T00:00:00Z");

  it("reuses a listing while the directory's mtime is unchanged (and old enough)", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    utimesSync(d.etc, old, old);
    expect(Object.keys(summary(ok(readRuntimeScenarios(d.etc, d.hub))))).toEqual(["crowdsecurity/ssh-bf"]);
    // A link added behind the cache's back with the mtime put back: the cached listing is used
    // (this proves the cache; a real change moves the mtime).
    d.link("ltsich/http-w00tw00t");
    utimesSync(d.etc, old, old);
    expect(Object.keys(summary(ok(readRuntimeScenarios(d.etc, d.hub))))).toEqual(["crowdsecurity/ssh-bf"]);
    // Once the mtime moves (as it does on any link created, removed or renamed), it is read again.
    utimesSync(d.etc, new Date("2024-01-02T00:00:00Z"), new Date("2024-01-02T00:00:00Z"));
    expect(Object.keys(summary(ok(readRuntimeScenarios(d.etc, d.hub)))).sort()).toEqual(["crowdsecurity/ssh-bf", "ltsich/http-w00tw00t"]);
  });

  it("sees real changes: a link removed or retargeted, a local file edited in place, a hub file gone", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    d.link("crowdsecurity/http-probing");
    const local = path.join(d.etc, "mine.yaml");
    writeFileSync(local, "name: me/one\n");
    utimesSync(d.etc, old, old);
    expect(Object.keys(summary(ok(readRuntimeScenarios(d.etc, d.hub)))).sort()).toEqual(["crowdsecurity/http-probing", "crowdsecurity/ssh-bf", "me/one"]);

    // Edited in place: the directory's mtime does not move, the file's does.
    writeFileSync(local, "name: me/two-longer\n");
    expect(summary(ok(readRuntimeScenarios(d.etc, d.hub)))["me/two-longer"]).toBe("local");

    // The hub file behind a cached link disappears: the link is dangling now.
    unlinkSync(path.join(d.hub, "scenarios", "crowdsecurity", "http-probing.yaml"));
    const r = ok(readRuntimeScenarios(d.etc, d.hub));
    expect(r.enabled.has("crowdsecurity/http-probing")).toBe(false);
    expect(r.broken.has("crowdsecurity/http-probing")).toBe(true);

    // Retargeted (ln -sfn = unlink + symlink): the directory's mtime moves.
    unlinkSync(linkPathFor(d.etc, "crowdsecurity/ssh-bf"));
    symlinkSync(hubLinkTarget(d.hub, "ltsich/http-w00tw00t"), path.join(d.etc, "ssh-bf.yaml"));
    expect(Object.keys(summary(ok(readRuntimeScenarios(d.etc, d.hub)))).sort()).toEqual(["ltsich/http-w00tw00t", "me/two-longer"]);
  });

  it("does not keep a listing whose directory changed within the last second (racy mtime)", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    const recent = new Date(Date.now() - 100);
    utimesSync(d.etc, recent, recent);
    expect(Object.keys(summary(ok(readRuntimeScenarios(d.etc, d.hub))))).toEqual(["crowdsecurity/ssh-bf"]);
    d.link("ltsich/http-w00tw00t");
    utimesSync(d.etc, recent, recent); // same mtime as the listing saw
    expect(Object.keys(summary(ok(readRuntimeScenarios(d.etc, d.hub)))).sort()).toEqual(["crowdsecurity/ssh-bf", "ltsich/http-w00tw00t"]);
  });

  it("re-reads a directory replaced by another one with the same mtime", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    utimesSync(d.etc, old, old);
    expect(ok(readRuntimeScenarios(d.etc, d.hub)).enabled.size).toBe(1);
    const fresh = path.join(d.root, "etc", "scenarios.new");
    mkdirSync(fresh);
    utimesSync(fresh, old, old);
    renameSync(d.etc, path.join(d.root, "etc", "scenarios.old"));
    renameSync(fresh, d.etc);
    expect(ok(readRuntimeScenarios(d.etc, d.hub)).enabled.size).toBe(0);
    rmSync(d.etc, { recursive: true });
    expect(readRuntimeScenarios(d.etc, d.hub)).toEqual({ ok: false, reason: `the runtime's scenarios directory ${d.etc} does not exist` });
  });
});

describe("readHubScenarios", () => {
  it("lists author/stem of the hub's scenario files, sorted, without docs", () => {
    const d = instance();
    mkdirSync(path.join(d.hub, "scenarios", ".git"));
    writeFileSync(path.join(d.hub, "scenarios", "stray.yaml"), "name: x/y\n");
    expect(readHubScenarios(d.hub)).toEqual([
      "crowdsecurity/http-probing",
      "crowdsecurity/nginx-req-limit-exceeded",
      "crowdsecurity/ssh-bf",
      "ltsich/http-w00tw00t",
    ]);
    expect(hubProblem(d.hub)).toBeNull();
  });

  it("returns the cached array until an author directory or the scenarios directory changes", () => {
    const d = instance();
    age(d.hub);
    const first = readHubScenarios(d.hub);
    expect(readHubScenarios(d.hub)).toBe(first);
    writeFileSync(path.join(d.hub, "scenarios", "ltsich", "new.yaml"), hubYaml("ltsich/new"));
    const second = readHubScenarios(d.hub);
    expect(second).not.toBe(first);
    expect(second).toContain("ltsich/new");
    mkdirSync(path.join(d.hub, "scenarios", "zed"));
    writeFileSync(path.join(d.hub, "scenarios", "zed", "a.yaml"), hubYaml("zed/a"));
    expect(readHubScenarios(d.hub)).toContain("zed/a");
    renameSync(path.join(d.hub, "scenarios", "zed"), path.join(d.hub, "scenarios", "zz"));
    expect(readHubScenarios(d.hub)).toContain("zz/a");
    age(d.hub);
    const settled = readHubScenarios(d.hub);
    expect(readHubScenarios(d.hub)).toBe(settled);
  });

  it("does not keep a listing of a hub changed within the last second (racy mtime)", () => {
    const d = instance();
    const author = path.join(d.hub, "scenarios", "ltsich");
    age(d.hub);
    const recent = new Date(Date.now() - 100);
    utimesSync(author, recent, recent);
    expect(readHubScenarios(d.hub)).not.toContain("ltsich/later");
    writeFileSync(path.join(author, "later.yaml"), hubYaml("ltsich/later"));
    utimesSync(author, recent, recent); // the same mtime the first listing saw
    expect(readHubScenarios(d.hub)).toContain("ltsich/later");
  });

  it("sees a hub file removed after links were read (the link becomes dangling)", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    expect(ok(readRuntimeScenarios(d.etc, d.hub)).enabled.has("crowdsecurity/ssh-bf")).toBe(true);
    unlinkSync(path.join(d.hub, "scenarios", "crowdsecurity", "ssh-bf.yaml"));
    expect(ok(readRuntimeScenarios(d.etc, d.hub)).enabled.has("crowdsecurity/ssh-bf")).toBe(false);
  });

  it("is empty for a missing hub, and says why", () => {
    const d = instance();
    expect(readHubScenarios(path.join(d.root, "nohub"))).toEqual([]);
    expect(hubProblem(path.join(d.root, "nohub"))).toBe(`the hub's scenarios directory ${path.join(d.root, "nohub", "scenarios")} does not exist`);
    // The runtime read still works, checking each link, and lists the hub problem.
    d.link("crowdsecurity/ssh-bf");
    const r = ok(readRuntimeScenarios(d.etc, path.join(d.root, "nohub")));
    expect(summary(r)).toEqual({ "crowdsecurity/ssh-bf": "hub" });
    expect(r.problems[0]).toMatch(/does not exist: link targets are checked one by one$/);
  });
});

describe("compareScenarios on what readRuntimeScenarios read", () => {
  it("end to end on a fixture: a removed link and an unwanted local file", () => {
    const d = instance();
    d.link("crowdsecurity/ssh-bf");
    d.link("ltsich/http-w00tw00t");
    writeFileSync(path.join(d.etc, "mine.yaml"), "name: me/a\n---\nname: me/b\n");
    const intent = new Map([
      ["crowdsecurity/ssh-bf", true],
      ["ltsich/http-w00tw00t", true],
      ["me/a", true],
      ["me/b", true],
    ]);
    expect(compareScenarios(intent, ok(readRuntimeScenarios(d.etc, d.hub))).verdict).toBe("in_sync");
    unlinkSync(linkPathFor(d.etc, "ltsich/http-w00tw00t"));
    intent.set("me/b", false);
    expect(compareScenarios(intent, ok(readRuntimeScenarios(d.etc, d.hub))).differences).toEqual([
      { item: "scenario ltsich/http-w00tw00t", expected: "enabled", actual: "disabled" },
      { item: "scenario me/b", expected: "disabled", actual: "enabled" },
    ]);
  });
});
