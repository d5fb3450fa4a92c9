#!/usr/bin/env node
// Writes one Prisma schema per provider from prisma/schema.base.prisma and generates both clients.
//
// Why the environment below: Prisma 7's CLI downloads a native schema engine at the start of every
// command, and the download host is unreachable on Warden's machines. Pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file lets `prisma generate` work (the client's query
// compiler is WebAssembly). That same variable makes `migrate deploy` silently do nothing, so it is
// set here, for generate only, and never globally. Migrations are applied by lib/migrations.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const base = readFileSync(join(root, "prisma/schema.base.prisma"), "utf8");
const header = "// GENERATED from prisma/schema.base.prisma by scripts/prisma-generate.mjs: do not edit.\n";

for (const provider of ["sqlite", "postgresql"]) {
  const dir = provider === "postgresql" ? "postgres" : "sqlite";
  const schemaPath = join(root, "prisma", dir, "schema.prisma");
  mkdirSync(dirname(schemaPath), { recursive: true });
  const text = base.replaceAll("lib/generated/__PROVIDER__", `lib/generated/${dir}`).replaceAll("__PROVIDER__", provider);
  writeFileSync(schemaPath, header + text);

  const result = spawnSync(process.execPath, [join(root, "node_modules/prisma/build/index.js"), "generate", "--schema", schemaPath], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true",
      CHECKPOINT_DISABLE: "1",
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
    },
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    console.error(`prisma generate failed for ${provider} (exit ${result.status})`);
    process.exit(1);
  }
  console.log(`generated Prisma client for ${provider} -> lib/generated/${dir}`);
}
