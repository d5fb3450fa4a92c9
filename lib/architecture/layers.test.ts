import { join } from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

// The import-boundary rule (eslint.layers.mjs, wired into eslint.config.mjs) refuses what the layers
// forbid and lets through what they allow. Each case lints a snippet as if it lived at `file`, with the
// project's own ESLint configuration, so a rule that stopped being wired in would fail here too.

const ROOT = join(import.meta.dirname, "..", "..");
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId?.startsWith("boundaries/")).map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the layer rule refuses", () => {
  it.each([
    [
      "a component importing lib/db",
      "components/security/x.tsx",
      `import { db } from "@/lib/db";\nexport const d = db;`,
      /"components" to file of category "db"/,
    ],
    [
      "a component loading lib/db dynamically",
      "components/security/x.tsx",
      `export const d = () => import("@/lib/db");`,
      /"components" to file of category "db"/,
    ],
    [
      "a component importing a domain folder's code",
      "components/security/x.tsx",
      `import { readIntent } from "@/lib/security/intent-store";\nexport const r = readIntent;`,
      /"components" to file of category "security"/,
    ],
    ["a page reading lib/db", "app/(panel)/x/page.tsx", `import { db } from "@/lib/db";\nexport const d = db;`, /"app" to file of category "db"/],
    [
      "a page reading the store",
      "app/(panel)/x/page.tsx",
      `import { readIntent } from "@/lib/security/intent-store";\nexport const r = readIntent;`,
      /"app" to file of category "security"/,
    ],
    [
      "the engine calling a use case",
      "lib/engine/x.ts",
      `import { applyRuntimeAction } from "../actions/security/apply-runtime";\nexport const a = applyRuntimeAction;`,
      /"engine" to file of category "actions"/,
    ],
    [
      "the engine writing sites (it may only read them, and use their grammar)",
      "lib/engine/edge/x.ts",
      `import { createSite } from "../../sites/site-store";\nexport const c = createSite;`,
      /"engine" to file of category "sites"/,
    ],
    [
      "drift importing a component",
      "lib/drift/x.ts",
      `import { AppShell } from "@/components/app-shell";\nexport const a = AppShell;`,
      /"drift" to file of category "components"/,
    ],
    ["drift re-exporting from app", "lib/drift/x.ts", `export { GET } from "@/app/api/health/route";`, /"drift" to file of category "app"/],
    [
      "the reconciler calling a use case",
      "lib/reconcile/x.ts",
      `import { toggleProtectionAction } from "../actions/security/toggle";\nexport const t = toggleProtectionAction;`,
      /"reconcile" to file of category "actions"/,
    ],
    ["lib/db importing the log", "lib/db.ts", `import { log } from "./log";\nexport const l = log;`, /"db" to file of category "log"/],
    ["lib/errors importing the database", "lib/errors.ts", `import { db } from "./db";\nexport const d = db;`, /"errors" to file of category "db"/],
    [
      "a browser-safe module importing server code its layer may use",
      "lib/security/spec/protections.ts",
      `import { db } from "../../db";\nexport const d = db;`,
      /category "db"/,
    ],
    [
      "the bans' input rules importing server code (they run in the browser too)",
      "lib/decisions/ban-x.ts",
      `import { db } from "../db";\nexport const v = db;`,
      /browser/,
    ],
    ["a file in a folder that is in no layer", "lib/newthing/x.ts", `export const x = 1;`, /no-unknown-files/],
    [
      "production code importing test support",
      "lib/engine/x.ts",
      `import { x } from "../../test/support/empty-module";\nexport const y = x;`,
      /"engine" to entities of module with origin "local"/,
    ],
  ])("%s", async (_what, file, code, reason) => {
    const errors = await boundaryErrors(file, code);
    expect(errors.join("\n")).toMatch(reason);
  });
});

describe("the layer rule allows", () => {
  it.each([
    ["a component importing a type from lib/db", "components/security/x.tsx", `import type { Db } from "@/lib/db";\nexport type D = Db;`],
    [
      "a component calling a server action and a client helper",
      "components/security/x.tsx",
      `import { toggleProtectionAction } from "@/lib/actions/security";\nimport { fetchJson } from "@/lib/client/fetch-json";\nexport const a = [toggleProtectionAction, fetchJson];`,
    ],
    [
      "a component using the protections' field spec",
      "components/security/x.tsx",
      `import { SECURITY_SPEC } from "@/lib/security/spec";\nexport const b = SECURITY_SPEC;`,
    ],
    [
      "a page using a read query and the page guard",
      "app/(panel)/x/page.tsx",
      `import { securityPageData } from "@/lib/actions/security/security-queries";\nimport { guardPage } from "@/lib/auth/page-guard";\nexport const a = [securityPageData, guardPage];`,
    ],
    [
      "a use case driving the engine and the store",
      "lib/actions/security/x.ts",
      `import { changeAndApply } from "../../engine/changes";\nimport { readIntent } from "../../security/intent-store";\nexport const a = [changeAndApply, readIntent];`,
    ],
    [
      "the edge checking what it renders with the sites grammar",
      "lib/engine/edge/x.ts",
      `import { parseHostName } from "../../sites/grammar";\nexport const p = parseHostName;`,
    ],
    [
      "the ban form and the blocklist renderer using the ban value's rules",
      "components/security/x.tsx",
      `import { parseBanValue } from "@/lib/decisions/ban-value";\nexport const p = parseBanValue;`,
    ],
    [
      "the edge checking LAPI's ban values",
      "lib/engine/edge/x.ts",
      `import { parseBanValue } from "../../decisions/ban-value";\nexport const p = parseBanValue;`,
    ],
    ["drift observing through the engine's registry", "lib/drift/x.ts", `import { engine } from "../engine/engine";\nexport const e = engine;`],
  ])("%s", async (_what, file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });
});
