import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { env, ENV_VARIABLES, parseEnv, resetEnvCache } from "./env";

// The one environment schema: what it accepts, its one rule for empty strings, its errors, and the
// README's Configuration table, which must document exactly the schema's variables.

const README = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");

/** The variable names in the first column of the README's Configuration table. */
function documentedVariables(): string[] {
  const section = README.slice(README.indexOf("## Configuration"), README.indexOf("\n## ", README.indexOf("## Configuration") + 1));
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  return rows.flatMap((row) => [...row.split("|")[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!));
}

// Documented but not Warden's: Next.js reads it itself.
const NOT_WARDENS = ["NEXT_TELEMETRY_DISABLED"];

describe("README Configuration table", () => {
  it("documents every variable of the schema, and nothing the schema does not know", () => {
    const documented = documentedVariables();
    expect(documented.length).toBeGreaterThan(30);
    expect([...ENV_VARIABLES].sort()).toEqual(documented.filter((name) => !NOT_WARDENS.includes(name)).sort());
  });

  it("covers every WARDEN_* and CROWDSEC_* name the panel's sources mention as configuration", () => {
    for (const name of ["DATABASE_URL", "PORT", "WARDEN_DATA_DIR", "WARDEN_SETUP_TOKEN", "CROWDSEC_EXTERNAL_HUB_DIR", "WARDEN_TRUSTED_PROXIES"])
      expect(ENV_VARIABLES).toContain(name);
    expect(ENV_VARIABLES).toContain("WARDEN_ROOT");
  });
});

describe("the environment schema", () => {
  afterEach(() => {
    delete process.env.CROWDSEC_LAPI_PORT;
    delete process.env.WARDEN_DRIFT_WATCH;
    resetEnvCache();
  });

  it("an unset environment gives the documented defaults", () => {
    const e = parseEnv({});
    expect(e).toMatchObject({
      DATABASE_URL: "file:./data/warden.db",
      PORT: 3000,
      WARDEN_DATA_DIR: "./data",
      WARDEN_LOG_LEVEL: "info",
      CROWDSEC_LAPI_PORT: 8180,
      WARDEN_SELF_HEAL: true,
      WARDEN_DRIFT_WATCH: true,
    });
    expect(e.WARDEN_MIGRATE_ON_BOOT).toBeUndefined();
    expect(e.WARDEN_SETUP_TOKEN).toBeUndefined();
  });

  it("empty or blank means unset, for every kind of variable", () => {
    const blank = Object.fromEntries(ENV_VARIABLES.map((name, i) => [name, i % 2 ? "" : "  "]));
    expect(parseEnv(blank)).toEqual(parseEnv({}));
  });

  it("values are parsed: numbers, flags, trimmed tokens", () => {
    const e = parseEnv({
      PORT: "8081",
      WARDEN_MIGRATE_ON_BOOT: "0",
      WARDEN_SELF_HEAL: "false",
      WARDEN_DRIFT_WATCH: "1",
      WARDEN_SETUP_TOKEN: "  abcdefghijklmnopqrstuvwxyz  ",
    });
    expect(e).toMatchObject({
      PORT: 8081,
      WARDEN_MIGRATE_ON_BOOT: false,
      WARDEN_SELF_HEAL: false,
      WARDEN_DRIFT_WATCH: true,
      WARDEN_SETUP_TOKEN: "abcdefghijklmnopqrstuvwxyz",
    });
  });

  it("a bad value is refused with a message naming each bad variable", () => {
    expect(() => parseEnv({ CROWDSEC_LAPI_PORT: "http" })).toThrow(/^Invalid environment: CROWDSEC_LAPI_PORT: /);
    expect(() => parseEnv({ WARDEN_SELF_HEAL: "yes" })).toThrow("Invalid environment: WARDEN_SELF_HEAL: must be true, false, 1 or 0");
    expect(() => parseEnv({ DATABASE_URL: "mysql://x" })).toThrow("DATABASE_URL: must be a file: URL (SQLite) or a postgres:// URL (PostgreSQL)");
    expect(() => parseEnv({ WARDEN_SETUP_TOKEN: "short" })).toThrow("WARDEN_SETUP_TOKEN: must be at least 20 characters");
    expect(() => parseEnv({ WARDEN_HTTP_SERVER: "nginx" })).toThrow(/WARDEN_HTTP_SERVER: is set by server\.mjs/);
    const both = () => parseEnv({ PORT: "0", WARDEN_LOG_LEVEL: "loud" });
    expect(both).toThrow(/PORT: .*; WARDEN_LOG_LEVEL: /);
  });

  it("the edge's listeners: an address and a port; the control listener on loopback only", () => {
    expect(parseEnv({})).toMatchObject({
      WARDEN_EDGE_LISTEN: "127.0.0.1:8080",
      WARDEN_EDGE_CONTROL_LISTEN: "127.0.0.1:8081",
      WARDEN_EDGE_RELOAD_TIMEOUT_MS: 5000,
    });
    expect(parseEnv({ WARDEN_EDGE_LISTEN: "0.0.0.0:80", WARDEN_EDGE_CONTROL_LISTEN: "[::1]:9081" })).toMatchObject({
      WARDEN_EDGE_LISTEN: "0.0.0.0:80",
      WARDEN_EDGE_CONTROL_LISTEN: "[::1]:9081",
    });
    expect(() => parseEnv({ WARDEN_EDGE_LISTEN: "localhost:8080" })).toThrow(
      /WARDEN_EDGE_LISTEN: must be an IPv4 address or a bracketed IPv6 address with a port/,
    );
    expect(() => parseEnv({ WARDEN_EDGE_LISTEN: "127.0.0.1:8080; include /etc/passwd" })).toThrow(/WARDEN_EDGE_LISTEN: /);
    expect(() => parseEnv({ WARDEN_EDGE_LISTEN: "127.0.0.1:70000" })).toThrow("WARDEN_EDGE_LISTEN: the port must be 1–65535");
    expect(() => parseEnv({ WARDEN_EDGE_CONTROL_LISTEN: "0.0.0.0:8081" })).toThrow(
      "WARDEN_EDGE_CONTROL_LISTEN: must be a loopback address (127.x.x.x or [::1]) with a port",
    );
  });

  it("env() parses once and again only when one of its variables changes", () => {
    const first = env();
    expect(env()).toBe(first);
    process.env.CROWDSEC_LAPI_PORT = "9999";
    const changed = env();
    expect(changed).not.toBe(first);
    expect(changed.CROWDSEC_LAPI_PORT).toBe(9999);
    process.env.WARDEN_DRIFT_WATCH = "";
    expect(env()).toEqual(changed);
    process.env.CROWDSEC_LAPI_PORT = "not a port";
    expect(() => env()).toThrow(/CROWDSEC_LAPI_PORT/);
  });
});

describe("server.mjs", () => {
  /** Starts server.mjs (plain Node, no TypeScript) in an empty directory with only `vars` set; it must refuse them. */
  function refusedBoot(vars: Record<string, string>, args: string[] = []): { status: number | null; output: string } {
    const cwd = mkdtempSync(join(tmpdir(), "warden-server-env-"));
    try {
      const run = spawnSync(process.execPath, [join(import.meta.dirname, "..", "server.mjs"), ...args], {
        cwd,
        env: { PATH: process.env.PATH, NODE_ENV: "production", ...vars },
        encoding: "utf8",
        timeout: 30_000,
      });
      return { status: run.status, output: run.stdout + run.stderr };
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }

  it("validates the whole environment by the same schema before serving: empty is unset, errors name the variable", () => {
    // PORT="" is the default port, like everywhere else; the bad session setting stops the boot.
    const bad = refusedBoot({ PORT: "", WARDEN_PUBLIC_URL: " ", WARDEN_SESSION_IDLE_HOURS: "lots" });
    expect(bad.status).toBe(1);
    expect(bad.output).toContain("Invalid environment: WARDEN_SESSION_IDLE_HOURS: ");
    expect(bad.output).not.toMatch(/PORT|WARDEN_PUBLIC_URL/);
    const token = refusedBoot({ WARDEN_SETUP_TOKEN: "short" });
    expect(token.output).toContain("Invalid environment: WARDEN_SETUP_TOKEN: must be at least 20 characters");
  });

  it("-p is checked as PORT", () => {
    const run = refusedBoot({}, ["-p", "70000"]);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/^Invalid environment: PORT: /m);
  });
});
