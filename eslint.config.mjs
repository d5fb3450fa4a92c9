import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import { layersConfig } from "./eslint.layers.mjs";

/** The longest a source module may be, in physical lines (docs/architecture.md, "Small modules"). */
export const MAX_LINES = 300;

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    // lib/architecture/__fixtures__: deliberately violating sources the runtime-writes fitness test reads (never run).
    ignores: [
      "lib/generated/**",
      ".next/**",
      "node_modules/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
      "lib/architecture/__fixtures__/**",
    ],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    // Small modules named for what they hold: a source file over MAX_LINES is split by concern, not by
    // banner comments. Physical lines, comments included (a file long for its comments is long to read
    // too). Tests may be longer when split by behaviour; fixtures and generated code are not source.
    files: ["app/**", "components/**", "lib/**", "scripts/**", "server.mjs", "instrumentation.ts"],
    ignores: ["**/*.test.ts", "**/*.test.tsx", "**/__fixtures__/**", "lib/generated/**"],
    rules: {
      "max-lines": ["error", { max: MAX_LINES, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    // Process-wide state lives in the process registry (Next.js loads modules twice: a module-level
    // singleton would exist twice). lib/log-config.mjs is plain JS for server.mjs and reaches the
    // registry's map by its Symbol.for key; tests may look at globals freely.
    files: ["app/**", "components/**", "lib/**", "instrumentation.ts", "instrumentation-node.ts"],
    ignores: ["lib/process-registry.ts", "lib/log-config.mjs", "**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "globalThis", message: "Keep process-wide singletons in lib/process-registry.ts (singleton / processSlot)." },
        { name: "global", message: "Keep process-wide singletons in lib/process-registry.ts (singleton / processSlot)." },
      ],
    },
  },
  {
    // Configuration is read through the one schema, lib/env-schema.mjs (env() in lib/env.ts; server.mjs
    // hands it the environment). Exceptions: lib/log-config.mjs (plain JS shared with server.mjs), tests,
    // and single lines that disable the rule with a reason beside them (a variable of the runtime
    // itself, the environment handed to the schema or to a child process, a value the server hands the
    // app). instrumentation.ts is not covered: it reads NEXT_RUNTIME, Next's own variable.
    files: ["app/**", "components/**", "lib/**", "server.mjs", "instrumentation-node.ts"],
    ignores: ["lib/env.ts", "lib/log-config.mjs", "**/*.test.ts", "**/*.test.tsx", "**/__fixtures__/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through env() from lib/env.ts (one schema, empty = unset)." },
      ],
    },
  },
  // Who may import whom: eslint.layers.mjs (documented in docs/architecture.md).
  layersConfig,
  {
    // Tests never wait a fixed time hoping something happened meanwhile: they wait for the event, a
    // promise, or a condition polled until a deadline (test/support/wait.ts, the one home of test
    // timers), or move an injected clock. `test.setTimeout` (a test's time budget) is not a wait.
    // A delay that is itself the input under test disables the rule on its line, saying why.
    files: ["**/*.test.ts", "**/*.test.tsx", "e2e/**/*.ts", "test/**/*.ts"],
    ignores: ["test/support/wait.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "setTimeout", message: "Wait for an event or a condition (waitFor / withDeadline in test/support/wait.ts), or inject a clock." },
      ],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "node:timers/promises", message: "Wait for an event or a condition (test/support/wait.ts), not for time." },
            { name: "timers/promises", message: "Wait for an event or a condition (test/support/wait.ts), not for time." },
          ],
        },
      ],
      "no-restricted-properties": [
        "error",
        { property: "waitForTimeout", message: "Wait for what the page shows or sends (locator assertions, expect.poll, waitForResponse), not for time." },
      ],
    },
  },
];

export default config;
