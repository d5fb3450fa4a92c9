import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { crowdsecSettings, crowdsecSettingsFrom, DEFAULT_CROWDSEC_SETTINGS, instancePaths } from "./settings";

const VARS = [
  "WARDEN_DATA_DIR",
  "CROWDSEC_INSTANCE_DIR",
  "CROWDSEC_LAPI_PORT",
  "CROWDSEC_PROMETHEUS_PORT",
  "CROWDSEC_BIN",
  "CROWDSEC_CSCLI",
  "CROWDSEC_ETC_DIR",
  "CROWDSEC_SHARE_DIR",
  "CROWDSEC_READY_TIMEOUT_MS",
  "CROWDSEC_STOP_GRACE_MS",
  "WARDEN_SELF_HEAL",
  "WARDEN_SELF_HEAL_MAX_ATTEMPTS",
  "WARDEN_SELF_HEAL_BACKOFF_MS",
  "WARDEN_ENGINE_PROBE_MS",
  "WARDEN_EDGE_DIR",
];

function clearEnv() {
  for (const v of VARS) vi.stubEnv(v, undefined as unknown as string);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("crowdsecSettings", () => {
  it("has the documented defaults, the instance under the data dir, resolved to an absolute path", () => {
    clearEnv();
    const s = crowdsecSettings();
    expect(s).toEqual({ ...DEFAULT_CROWDSEC_SETTINGS, instanceDir: path.resolve("data/crowdsec"), edgeLogDir: path.resolve("data/edge/logs") });
    expect(s.lapiPort).toBe(8180);
    expect(s.prometheusPort).toBe(6160);
    expect(s.selfHeal).toBe(true);
    expect(path.isAbsolute(s.instanceDir)).toBe(true);
  });

  it("follows WARDEN_DATA_DIR, and CROWDSEC_INSTANCE_DIR wins over it", () => {
    clearEnv();
    vi.stubEnv("WARDEN_DATA_DIR", "/srv/warden");
    expect(crowdsecSettings().instanceDir).toBe("/srv/warden/crowdsec");
    vi.stubEnv("CROWDSEC_INSTANCE_DIR", "relative/cs");
    expect(crowdsecSettings().instanceDir).toBe(path.resolve("relative/cs"));
  });

  it("reads the managed edge's logs: the edge's directory follows WARDEN_DATA_DIR, and WARDEN_EDGE_DIR wins over it", () => {
    clearEnv();
    vi.stubEnv("WARDEN_DATA_DIR", "/srv/warden");
    const s = crowdsecSettings();
    expect(s.edgeLogDir).toBe("/srv/warden/edge/logs");
    expect(instancePaths(s).edgeLogs).toEqual(["/srv/warden/edge/logs/crowdsec-access.log", "/srv/warden/edge/logs/error.log"]);
    vi.stubEnv("WARDEN_EDGE_DIR", "/var/lib/edge");
    expect(crowdsecSettings().edgeLogDir).toBe("/var/lib/edge/logs");
  });

  it("parses every variable", () => {
    clearEnv();
    vi.stubEnv("CROWDSEC_LAPI_PORT", "9180");
    vi.stubEnv("CROWDSEC_PROMETHEUS_PORT", "9160");
    vi.stubEnv("CROWDSEC_BIN", "/opt/cs/crowdsec");
    vi.stubEnv("CROWDSEC_CSCLI", "/opt/cs/cscli");
    vi.stubEnv("CROWDSEC_ETC_DIR", "/opt/cs/etc");
    vi.stubEnv("CROWDSEC_SHARE_DIR", "/opt/cs/share");
    vi.stubEnv("CROWDSEC_READY_TIMEOUT_MS", "5000");
    vi.stubEnv("CROWDSEC_STOP_GRACE_MS", "2000");
    vi.stubEnv("WARDEN_SELF_HEAL", "false");
    vi.stubEnv("WARDEN_SELF_HEAL_MAX_ATTEMPTS", "3");
    vi.stubEnv("WARDEN_SELF_HEAL_BACKOFF_MS", "250");
    vi.stubEnv("WARDEN_ENGINE_PROBE_MS", "2000");
    const s = crowdsecSettings();
    expect(s).toMatchObject({
      lapiPort: 9180,
      prometheusPort: 9160,
      bin: "/opt/cs/crowdsec",
      cscli: "/opt/cs/cscli",
      etcDir: "/opt/cs/etc",
      shareDir: "/opt/cs/share",
      readyTimeoutMs: 5000,
      stopGraceMs: 2000,
      selfHeal: false,
      selfHealMaxAttempts: 3,
      selfHealBackoffMs: 250,
      probeMs: 2000,
    });
  });

  it("refuses bad values, naming the variable", () => {
    clearEnv();
    vi.stubEnv("CROWDSEC_LAPI_PORT", "70000");
    expect(() => crowdsecSettings()).toThrow(/CROWDSEC_LAPI_PORT/);
    vi.stubEnv("CROWDSEC_LAPI_PORT", "8180");
    vi.stubEnv("WARDEN_SELF_HEAL", "maybe");
    expect(() => crowdsecSettings()).toThrow(/WARDEN_SELF_HEAL/);
    vi.stubEnv("WARDEN_SELF_HEAL", "true");
    vi.stubEnv("CROWDSEC_PROMETHEUS_PORT", "8180");
    expect(() => crowdsecSettings()).toThrow(/CROWDSEC_LAPI_PORT and CROWDSEC_PROMETHEUS_PORT/);
  });
});

describe("crowdsecSettingsFrom", () => {
  it("fills defaults and resolves the directory; paths derive from it", () => {
    const s = crowdsecSettingsFrom({ instanceDir: "tmp/x", lapiPort: 1234 });
    expect(s.instanceDir).toBe(path.resolve("tmp/x"));
    expect(s.lapiPort).toBe(1234);
    expect(s.prometheusPort).toBe(6160);
    const p = instancePaths(s);
    expect(p.config).toBe(path.join(s.instanceDir, "etc", "config.yaml"));
    expect(p.pidFile).toBe(path.join(s.instanceDir, "crowdsec.pid"));
    expect(p.lockFile).toBe(path.join(s.instanceDir, "warden.lock"));
    // No edge unless given one: a test's agent never reads ./data.
    expect(s.edgeLogDir).toBeNull();
    expect(p.edgeLogs).toEqual([]);
    const withEdge = crowdsecSettingsFrom({ instanceDir: "tmp/x", edgeLogDir: "tmp/edge/logs" });
    expect(instancePaths(withEdge).edgeLogs).toEqual([path.resolve("tmp/edge/logs/crowdsec-access.log"), path.resolve("tmp/edge/logs/error.log")]);
  });
});
