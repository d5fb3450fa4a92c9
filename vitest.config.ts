import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      // `server-only` throws outside React Server Components; tests run lib/ code directly.
      "server-only": fileURLToPath(new URL("./test/support/empty-module.ts", import.meta.url)),
      "@": fileURLToPath(new URL("./", import.meta.url)),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "components/**/*.test.ts", "test/**/*.test.ts"],
    // Tests against a real crowdsec agent run on their own: `npm run test:agent` (vitest.agent.config.ts).
    exclude: [...configDefaults.exclude, "**/*.agent.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Multi-process and crash tests spawn their own children; two workers fit this 2-core machine.
    maxWorkers: 2,
    // Tests assert on log calls through spies; the JSON lines themselves would only bury the report.
    // WARDEN_HTTP_SERVER: the code under test runs as it does behind server.mjs, which writes the
    // client address into X-Forwarded-For (tests pass that header as the server would).
    env: {
      WARDEN_LOG_LEVEL: process.env.WARDEN_LOG_LEVEL ?? "error",
      // An engine built without its own WAF settings renders the tuning file here, never in ./data.
      WARDEN_WAF_TUNING_FILE: path.join(tmpdir(), `warden-vitest-${process.pid}`, "crs-tuning.conf"),
      // …and keeps its edge (instance dir, lock) there too, never in ./data.
      WARDEN_EDGE_DIR: path.join(tmpdir(), `warden-vitest-${process.pid}`, "edge"),
      WARDEN_HTTP_SERVER: "warden",
    },
  },
});
