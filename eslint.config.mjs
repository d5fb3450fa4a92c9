import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

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
    // Configuration is read through the one schema, lib/env.ts (env()). Exceptions: lib/log-config.mjs
    // (plain JS shared with server.mjs), tests, and single lines that disable the rule with a reason
    // beside them (a variable of the runtime itself, or the environment handed to a child process).
    // instrumentation.ts is not covered: it reads NEXT_RUNTIME, Next's own variable.
    files: ["app/**", "components/**", "lib/**", "instrumentation-node.ts"],
    ignores: ["lib/env.ts", "lib/log-config.mjs", "**/*.test.ts", "**/*.test.tsx", "**/__fixtures__/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through env() from lib/env.ts (one schema, empty = unset)." },
      ],
    },
  },
];

export default config;
