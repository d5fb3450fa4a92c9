import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests against a REAL crowdsec agent and a REAL nginx with ModSecurity and the OWASP CRS (Debian's
// packages, installed by `pretest:agent`): each test file creates its own instances in temp dirs on
// free ports. One file at a time: agents and the CRS are CPU-heavy while they load, and timings
// (grace periods, probes, reload bounds) must not be starved on 2 cores.
export default defineConfig({
  resolve: {
    alias: {
      "server-only": fileURLToPath(new URL("./test/support/empty-module.ts", import.meta.url)),
      "@": fileURLToPath(new URL("./", import.meta.url)),
    },
  },
  test: {
    include: ["**/*.agent.test.ts"],
    exclude: ["node_modules/**", ".next/**"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 20_000,
    env: {
      WARDEN_LOG_LEVEL: process.env.WARDEN_LOG_LEVEL ?? "error",
      // An engine built without its own WAF settings renders the tuning file here, never in ./data.
      WARDEN_WAF_TUNING_FILE: path.join(tmpdir(), `warden-vitest-${process.pid}`, "crs-tuning.conf"),
      // …and keeps its edge (instance dir, lock) there too, never in ./data.
      WARDEN_EDGE_DIR: path.join(tmpdir(), `warden-vitest-${process.pid}`, "edge"),
    },
  },
});
