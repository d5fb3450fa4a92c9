import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "../../env";
import { edgePaths, edgeSettings, edgeSettingsFrom, parseListen } from "./settings";

// The edge's settings from the environment, and the combinations refused before anything runs.

afterEach(() => {
  for (const name of [
    "WARDEN_DATA_DIR",
    "WARDEN_EDGE_DIR",
    "WARDEN_EDGE_LISTEN",
    "WARDEN_EDGE_CONTROL_LISTEN",
    "WARDEN_EDGE_RELOAD_TIMEOUT_MS",
    "WARDEN_EDGE_TRUSTED_PROXIES",
  ])
    delete process.env[name];
  resetEnvCache();
});

describe("edge settings", () => {
  it("come from the environment: the instance under the data directory, the listeners, the reload bound", () => {
    process.env.WARDEN_DATA_DIR = "/srv/warden";
    delete process.env.WARDEN_EDGE_DIR; // the test run points it at a temp dir
    process.env.WARDEN_EDGE_LISTEN = "[::]:8443";
    process.env.WARDEN_EDGE_RELOAD_TIMEOUT_MS = "2500";
    const s = edgeSettings();
    expect(s).toMatchObject({
      instanceDir: "/srv/warden/edge",
      listen: { host: "[::]", port: 8443 },
      control: { host: "127.0.0.1", port: 8081 },
      reloadTimeoutMs: 2500,
      trustedProxies: [],
    });
    process.env.WARDEN_EDGE_DIR = "./edge-here";
    expect(edgeSettings().instanceDir).toBe(path.resolve("./edge-here"));
    expect(edgePaths(s)).toMatchObject({
      config: "/srv/warden/edge/nginx.conf",
      pidFile: "/srv/warden/edge/nginx.pid",
      auditLog: "/srv/warden/edge/logs/modsec_audit.log",
    });
  });

  it("refuse the control listener on the listen port, or off loopback", () => {
    process.env.WARDEN_EDGE_LISTEN = "0.0.0.0:8081";
    expect(() => edgeSettings()).toThrow("Invalid edge settings: WARDEN_EDGE_LISTEN and WARDEN_EDGE_CONTROL_LISTEN both use port 8081");
    expect(() => edgeSettingsFrom({ instanceDir: "/x", control: parseListen("10.0.0.1:8081") })).toThrow(
      "Invalid edge settings: the control listener 10.0.0.1:8081 must be on a loopback address",
    );
  });

  it("the trusted proxies: none by default; addresses and CIDR ranges of both families; anything else refused at boot", () => {
    expect(edgeSettings().trustedProxies).toEqual([]);
    process.env.WARDEN_EDGE_TRUSTED_PROXIES = " 10.0.0.0/8, 127.0.0.1 ,2001:db8::/32, ::ffff:192.0.2.9";
    expect(edgeSettings().trustedProxies).toEqual(["10.0.0.0/8", "127.0.0.1", "2001:db8::/32", "192.0.2.9"]);
    for (const bad of ["cdn.example", "10.0.0.0/33", "10.0.0.1/8/2", "*", "10.0.0.1; include /etc/passwd", "fe80::1%eth0", "0x7f.0.0.1"]) {
      process.env.WARDEN_EDGE_TRUSTED_PROXIES = `127.0.0.1,${bad}`;
      expect(() => edgeSettings()).toThrow(
        /^Invalid environment: WARDEN_EDGE_TRUSTED_PROXIES: ".*" (is not an IP address or CIDR range|has an invalid prefix length)/,
      );
    }
    expect(() => edgeSettingsFrom({ instanceDir: "/x", trustedProxies: ["10.0.0.1 10.0.0.2"] })).toThrow(
      'Invalid edge settings: the trusted proxy "10.0.0.1 10.0.0.2" is not an IP address or CIDR range',
    );
  });
});
