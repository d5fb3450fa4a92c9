import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "../../env";
import { edgePaths, edgeSettings, edgeSettingsFrom, parseListen } from "./settings";

// The edge's settings from the environment, and the combinations refused before anything runs.

afterEach(() => {
  for (const name of ["WARDEN_DATA_DIR", "WARDEN_EDGE_DIR", "WARDEN_EDGE_LISTEN", "WARDEN_EDGE_CONTROL_LISTEN", "WARDEN_EDGE_RELOAD_TIMEOUT_MS"])
    delete process.env[name];
  resetEnvCache();
});

describe("edge settings", () => {
  it("come from the environment: the instance under the data directory, the listeners, the reload bound", () => {
    process.env.WARDEN_DATA_DIR = "/srv/warden";
    process.env.WARDEN_EDGE_LISTEN = "[::]:8443";
    process.env.WARDEN_EDGE_RELOAD_TIMEOUT_MS = "2500";
    const s = edgeSettings();
    expect(s).toMatchObject({
      instanceDir: "/srv/warden/edge",
      listen: { host: "[::]", port: 8443 },
      control: { host: "127.0.0.1", port: 8081 },
      reloadTimeoutMs: 2500,
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
});
