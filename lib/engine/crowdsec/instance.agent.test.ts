import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../log";
import { packageEnabledItems } from "./enabled-items";
import { ensureAcquiredFiles, ensureInstance, instanceExists } from "./instance";
import { crowdsecSettingsFrom, instancePaths } from "./settings";
import { agentFixture, cleanupAllFixtures } from "../../../test/support/crowdsec";

// ensureInstance against the real Debian package files (no agent started here).

afterEach(async () => {
  vi.restoreAllMocks();
  await cleanupAllFixtures();
});

function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f));
}

describe("ensureInstance", () => {
  it("creates an isolated instance offline: real-file hub, the package's enabled items as links into it", async () => {
    const f = await agentFixture();
    const p = instancePaths(f.settings);
    const t0 = Date.now();
    const r = await ensureInstance(f.settings);
    const ms = Date.now() - t0;
    console.log(`[timing] ensureInstance (create): ${ms} ms`);
    expect(r).toEqual({ created: true, dir: f.dir, configChanged: false });
    expect(instanceExists(f.settings)).toBe(true);
    for (const d of [p.etc, p.data, p.hub, p.logDir]) expect(statSync(d).isDirectory()).toBe(true);

    // The hub holds real files only.
    const hubFiles = walk(p.hub);
    expect(hubFiles.length).toBeGreaterThan(200);
    expect(hubFiles.filter((f) => lstatSync(f).isSymbolicLink())).toEqual([]);

    // Enabled items: exactly the package's set, each a link into D/hub.
    const expected = packageEnabledItems(f.settings);
    expect(expected.length).toBeGreaterThan(0);
    const links = walk(p.etc).filter((file) => lstatSync(file).isSymbolicLink());
    const targets = links.map((l) => path.relative(p.hub, realpathSync(l))).sort();
    expect(targets).toEqual(expected);
    expect(existsSync(path.join(p.etc, "scenarios", "http-w00tw00t.yaml"))).toBe(true);

    const config = readFileSync(p.config, "utf8");
    expect(config).toContain(`listen_uri: 127.0.0.1:${f.settings.lapiPort}`);
    expect(config).toContain(`listen_port: ${f.settings.prometheusPort}`);
    const creds = readFileSync(p.credentials, "utf8");
    expect(creds).toContain(`url: http://127.0.0.1:${f.settings.lapiPort}/`);
    expect(creds).toMatch(/^login: warden$/m);
    expect(statSync(p.credentials).mode & 0o077).toBe(0);
    expect(readFileSync(p.acquis, "utf8")).toContain(p.accessLog);
    expect(existsSync(p.accessLog)).toBe(true);
    // The lock is released.
    expect(existsSync(p.lockFile)).toBe(false);
  });

  it("is idempotent, and rewrites the ports when the settings change", async () => {
    const f = await agentFixture();
    await ensureInstance(f.settings);
    const p = instancePaths(f.settings);
    const before = readFileSync(p.config, "utf8");
    expect(await ensureInstance(f.settings)).toEqual({ created: false, dir: f.dir, configChanged: false });
    expect(readFileSync(p.config, "utf8")).toBe(before);

    const moved = { ...f.settings, lapiPort: f.settings.lapiPort + 1, prometheusPort: f.settings.prometheusPort + 1 };
    expect(await ensureInstance(moved)).toEqual({ created: false, dir: f.dir, configChanged: true });
    const after = readFileSync(p.config, "utf8");
    expect(after).toContain(`listen_uri: 127.0.0.1:${moved.lapiPort}`);
    expect(after).toContain(`listen_port: ${moved.prometheusPort}`);
    expect(readFileSync(p.credentials, "utf8")).toContain(`url: http://127.0.0.1:${moved.lapiPort}/`);
  });

  it("recreates a half-created instance (no marker), with a WARN", async () => {
    const f = await agentFixture();
    await ensureInstance(f.settings);
    const p = instancePaths(f.settings);
    unlinkSync(p.marker);
    rmSync(path.join(p.hub, "scenarios"), { recursive: true });
    writeFileSync(p.config, "garbage: [");
    const warn = vi.spyOn(log, "warn");
    expect(await ensureInstance(f.settings)).toMatchObject({ created: true });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: "crowdsec.instance.recreate" }), expect.any(String));
    expect(existsSync(path.join(p.hub, "scenarios", "crowdsecurity", "ssh-bf.yaml"))).toBe(true);
    expect(readFileSync(p.config, "utf8")).toContain("daemonize: true");
  });

  it("creates once when two callers race (the lock serialises them)", async () => {
    const f = await agentFixture();
    const results = await Promise.all([ensureInstance(f.settings), ensureInstance(f.settings)]);
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
  });

  it("falls back to the linux and nginx collections when the package enables nothing", async () => {
    const f = await agentFixture();
    const etc = mkdtempSync(path.join(os.tmpdir(), "warden-etc-"));
    try {
      cpSync("/etc/crowdsec/patterns", path.join(etc, "patterns"), { recursive: true });
      for (const file of ["profiles.yaml", "simulation.yaml"]) cpSync(path.join("/etc/crowdsec", file), path.join(etc, file));
      const s = crowdsecSettingsFrom({ ...f.settings, etcDir: etc });
      expect(packageEnabledItems(s)).toEqual([]);
      await ensureInstance(s);
      const e = instancePaths(s).etc;
      for (const item of [
        "collections/linux.yaml",
        "collections/nginx.yaml",
        "collections/base-http-scenarios.yaml",
        "parsers/s01-parse/nginx-logs.yaml",
        "parsers/s01-parse/sshd-logs.yaml",
        "scenarios/ssh-bf.yaml",
        "scenarios/http-probing.yaml",
      ]) {
        expect(lstatSync(path.join(e, item)).isSymbolicLink(), item).toBe(true);
      }
    } finally {
      rmSync(etc, { recursive: true, force: true });
    }
  });

  it("always enables the nginx collection (the agent reads the edge), even when the package enables only other things", async () => {
    const f = await agentFixture();
    const etc = mkdtempSync(path.join(os.tmpdir(), "warden-etc-"));
    try {
      cpSync("/etc/crowdsec/patterns", path.join(etc, "patterns"), { recursive: true });
      for (const file of ["profiles.yaml", "simulation.yaml"]) cpSync(path.join("/etc/crowdsec", file), path.join(etc, file));
      mkdirSync(path.join(etc, "collections"));
      symlinkSync("/usr/share/crowdsec/hub/collections/crowdsecurity/sshd.yaml", path.join(etc, "collections", "sshd.yaml"));
      const s = crowdsecSettingsFrom({ ...f.settings, etcDir: etc });
      expect(packageEnabledItems(s)).toEqual(["collections/crowdsecurity/sshd.yaml"]);
      await ensureInstance(s);
      const e = instancePaths(s).etc;
      for (const item of [
        "collections/sshd.yaml",
        "collections/nginx.yaml",
        "collections/base-http-scenarios.yaml",
        "parsers/s01-parse/nginx-logs.yaml",
        "parsers/s02-enrich/http-logs.yaml",
        "scenarios/http-probing.yaml",
        "scenarios/nginx-req-limit-exceeded.yaml",
      ]) {
        expect(lstatSync(path.join(e, item)).isSymbolicLink(), item).toBe(true);
      }
      // Not the fallback: the package chose what else to enable.
      expect(existsSync(path.join(e, "collections", "linux.yaml"))).toBe(false);
    } finally {
      rmSync(etc, { recursive: true, force: true });
    }
  });

  it("acquires the edge's CrowdSec log and error log, made (empty) if missing; an older instance's acquis follows", async () => {
    const edgeDir = mkdtempSync(path.join(os.tmpdir(), "warden-edge-logs-"));
    try {
      const f = await agentFixture();
      await ensureInstance(f.settings); // an instance from before: no edge in its acquis
      const p = instancePaths(f.settings);
      expect(readFileSync(p.acquis, "utf8")).not.toContain("crowdsec-access.log");

      const logs = path.join(edgeDir, "logs");
      const s = crowdsecSettingsFrom({ ...f.settings, edgeLogDir: logs });
      // The settings changed: the acquis is rewritten (the driver then restarts a running agent).
      expect(await ensureInstance(s)).toEqual({ created: false, dir: f.dir, configChanged: true });
      const acquis = readFileSync(p.acquis, "utf8");
      for (const file of [p.accessLog, path.join(logs, "crowdsec-access.log"), path.join(logs, "error.log")]) {
        expect(acquis).toContain(`  - ${JSON.stringify(file)}\n`);
      }
      expect(acquis).toContain("labels:\n  type: nginx\n");

      ensureAcquiredFiles(s);
      expect(statSync(logs).mode & 0o777).toBe(0o700);
      for (const file of instancePaths(s).edgeLogs) expect(readFileSync(file, "utf8")).toBe("");
      // Existing content is kept.
      writeFileSync(path.join(logs, "error.log"), "kept\n");
      ensureAcquiredFiles(s);
      expect(readFileSync(path.join(logs, "error.log"), "utf8")).toBe("kept\n");
    } finally {
      rmSync(edgeDir, { recursive: true, force: true });
    }
  });

  it("refuses to create without the package, naming what is missing", async () => {
    const f = await agentFixture({ cscli: "/nonexistent/cscli" });
    await expect(ensureInstance(f.settings)).rejects.toMatchObject({
      code: "NOT_INSTALLED",
      message: expect.stringContaining("/nonexistent/cscli is missing"),
    });
    expect(instanceExists(f.settings)).toBe(false);
  });
});
