import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { failureReason } from "./agent-log";
import { healthUrl } from "./lapi-probe";
import { formatDuration } from "./timing";
import { collectionItems, enabledLinkPath } from "./enabled-items";
import { INSTALL_HINT, missingPackage, notInstalledSentence } from "./installed-package";
import { renderAcquis, renderConfig } from "./instance-config";
import { cmdline, isAlive, portHolder, processStartedAt } from "../proc";
import { configArg, isInstanceAgent } from "./agent-pids";
import { crowdsecSettingsFrom } from "./settings";
import { holdPort, freePort } from "../../../test/support/crowdsec";

// The parts of the CrowdSec runtime layer that need no agent: rendering, parsing, /proc reads.

const s = crowdsecSettingsFrom({ instanceDir: "/srv/warden data/crowdsec", lapiPort: 18180, prometheusPort: 16160 });

describe("renderConfig", () => {
  const config = renderConfig(s);
  it("listens on loopback on the instance's ports, with signal handlers and the offline hub branch", () => {
    expect(config).toContain("listen_uri: 127.0.0.1:18180");
    expect(config).toMatch(/listen_addr: 127\.0\.0\.1\n\s+listen_port: 16160/);
    expect(config).toContain("daemonize: true");
    expect(config).toContain("hub_branch: v1.4.6");
    expect(config).not.toContain("online_client");
  });
  it("puts every path under the instance directory (except the package's plugins), quoted", () => {
    const paths = [...config.matchAll(/: "(\/[^"]*)"/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(10);
    for (const p of paths) {
      if (p.includes("/lib/crowdsec/plugins")) continue;
      expect(p.startsWith(s.instanceDir)).toBe(true);
    }
    expect(config).toContain(`db_path: "${s.instanceDir}/data/crowdsec.db"`);
  });
  it("is a pure function of the settings (a port change changes it)", () => {
    expect(renderConfig(s)).toBe(config);
    expect(renderConfig({ ...s, lapiPort: 18181 })).not.toBe(config);
  });
  it("acquires the instance's own nginx file, and the edge's CrowdSec log and error log when there is an edge", () => {
    expect(renderAcquis(s)).toBe(
      `# Written by Warden: file sources (the journal is absent on this machine).\nfilenames:\n  - "${s.instanceDir}/log/access.log"\nlabels:\n  type: nginx\n`,
    );
    expect(renderAcquis({ ...s, edgeLogDir: "/srv/warden/edge/logs" })).toBe(
      "# Written by Warden: file sources (the journal is absent on this machine).\nfilenames:\n" +
        `  - "${s.instanceDir}/log/access.log"\n  - "/srv/warden/edge/logs/crowdsec-access.log"\n  - "/srv/warden/edge/logs/error.log"\n` +
        "labels:\n  type: nginx\n",
    );
  });
});

describe("hub items", () => {
  it("links an item without its author directory", () => {
    expect(enabledLinkPath("scenarios/crowdsecurity/ssh-bf.yaml")).toBe("scenarios/ssh-bf.yaml");
    expect(enabledLinkPath("collections/crowdsecurity/linux.yaml")).toBe("collections/linux.yaml");
    expect(enabledLinkPath("parsers/s01-parse/crowdsecurity/nginx-logs.yaml")).toBe("parsers/s01-parse/nginx-logs.yaml");
    expect(enabledLinkPath("postoverflows/s01-whitelist/crowdsecurity/rdns.yaml")).toBe("postoverflows/s01-whitelist/rdns.yaml");
  });
  it("expands collections recursively, once each, ignoring unknown names", () => {
    const index = {
      collections: {
        "a/web": { path: "collections/a/web.yaml", collections: ["a/base", "a/web"], scenarios: ["a/probe"], parsers: ["a/nginx"] },
        "a/base": { path: "collections/a/base.yaml", parsers: ["a/syslog"], scenarios: ["a/missing"] },
      },
      parsers: {
        "a/nginx": { path: "parsers/s01-parse/a/nginx.yaml" },
        "a/syslog": { path: "parsers/s00-raw/a/syslog.yaml" },
      },
      scenarios: { "a/probe": { path: "scenarios/a/probe.yaml" } },
    };
    expect(collectionItems(index, ["a/web", "nope/none"])).toEqual([
      "collections/a/base.yaml",
      "collections/a/web.yaml",
      "parsers/s00-raw/a/syslog.yaml",
      "parsers/s01-parse/a/nginx.yaml",
      "scenarios/a/probe.yaml",
    ]);
  });
});

describe("missingPackage", () => {
  it("names the missing binary, and the not-installed sentence carries the install hint", () => {
    const missing = missingPackage({ ...s, bin: "/nonexistent/crowdsec" });
    expect(missing).toBe("/nonexistent/crowdsec is missing");
    const sentence = notInstalledSentence(missing!);
    expect(sentence).toContain("/nonexistent/crowdsec is missing");
    expect(sentence).toContain("sudo bash scripts/install-crowdsec.sh");
    expect(INSTALL_HINT).toMatch(/^Install it with .*scripts\/install-crowdsec\.sh.*\(offline, see README\)\.$/);
  });
});

describe("failureReason", () => {
  it("prefers the fatal line's message", () => {
    const text = [
      'time="x" level=info msg="Crowdsec v1.4.6"',
      'time="x" level=error msg="unable to register plugin \'GeoIpCity\': open x: no such file or directory"',
      'time="x" level=fatal msg="api server init: unable to run local API: listen tcp 127.0.0.1:8180: bind: address already in use"',
    ].join("\n");
    expect(failureReason(text)).toBe("api server init: unable to run local API: listen tcp 127.0.0.1:8180: bind: address already in use");
  });
  it("falls back to a plain stderr line, skipping our headers and benign errors", () => {
    const text = "--- warden: starting crowdsec ---\n2026/12/03 06:00:00 yaml: line 3: mapping values are not allowed in this context\n";
    expect(failureReason(text)).toBe("yaml: line 3: mapping values are not allowed in this context");
    expect(failureReason('--- warden ---\ntime="x" level=info msg="ok"')).toBeNull();
  });
});

describe("helpers", () => {
  it("formats durations and health URLs", () => {
    expect(formatDuration(150)).toBe("150 ms");
    expect(formatDuration(30_000)).toBe("30 s");
    expect(formatDuration(1_250)).toBe("1.3 s");
    expect(healthUrl("http://127.0.0.1:8080/")).toBe("http://127.0.0.1:8080/health");
    expect(healthUrl("https://lapi.example")).toBe("https://lapi.example/health");
  });
  it("reads the -c flag in every form Go's flag package accepts", () => {
    expect(configArg(["crowdsec", "-c", "/a.yaml", "-no-capi"])).toBe("/a.yaml");
    expect(configArg(["crowdsec", "--c", "/b.yaml"])).toBe("/b.yaml");
    expect(configArg(["crowdsec", "-c=/c.yaml"])).toBe("/c.yaml");
    expect(configArg(["crowdsec", "--c=/d.yaml"])).toBe("/d.yaml");
    expect(configArg(["crowdsec"])).toBeNull();
  });
});

describe("/proc reads", () => {
  const children: number[] = [];
  afterEach(() => {
    for (const pid of children.splice(0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  });

  it("sees this process alive, with its argv and a plausible start time", () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(path.basename(cmdline(process.pid)![0]!)).toMatch(/node/);
    const started = processStartedAt(process.pid)!;
    const age = Date.now() - started.getTime();
    expect(age).toBeGreaterThan(-1500);
    expect(age).toBeLessThan(os.uptime() * 1000 + 2000);
    expect(age).toBeLessThan(process.uptime() * 1000 + 2000);
  });

  it("reports a dead pid as not alive and never as an agent", async () => {
    const child = spawn("true");
    const pid = child.pid!;
    await new Promise((r) => child.on("exit", r));
    expect(isAlive(pid)).toBe(false);
    expect(cmdline(pid)).toBeNull();
    expect(isInstanceAgent(pid, s)).toBe(false);
    expect(isAlive(-1)).toBe(false);
    expect(isAlive(0)).toBe(false);
  });

  it("never takes another program for the instance's agent", () => {
    const child = spawn("sleep", ["30"]);
    children.push(child.pid!);
    expect(isAlive(child.pid!)).toBe(true);
    expect(isInstanceAgent(child.pid!, s)).toBe(false);
    expect(isInstanceAgent(process.pid, s)).toBe(false);
  });

  it("finds which process holds a listening port", async () => {
    const port = await freePort();
    const held = await holdPort(port);
    try {
      expect(portHolder(port)).toEqual({ pid: process.pid, name: path.basename(process.execPath) });
    } finally {
      await held.close();
    }
    expect(portHolder(port)).toBeNull();
  });
});
