import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db";
import { cleanupTempDirs, freshSqliteUrl } from "../../test/support/databases";
import { auditRows, healthyAt, storeInvariants } from "../../test/support/store-state";
import { adoptScenarios, listScenarioIntents, needsAdoption, scenarioIntentMap, setScenarioIntent } from "./scenario-intent";
import { readIntent } from "./intent-store";

// Scenario intent over a real SQLite file: one audited transaction per switch, adopted once from the
// runtime, bad input refused without a trace, versions contiguous with the protections' (ADR 005).

const ADMIN = { actor: "admin" };
const KNOWN = new Set(["crowdsecurity/ssh-bf", "crowdsecurity/http-probing", "local/my-scenario"]);
let db: Db;

beforeEach(async () => {
  db = createDb(await freshSqliteUrl());
});
afterEach(async () => db.$disconnect());
afterAll(() => cleanupTempDirs());

async function snapshot() {
  return { intents: await listScenarioIntents(db), audits: await auditRows(db), intent: await readIntent(db) };
}

describe("scenario intent", () => {
  it("first init records the runtime's enabled set once, with one system audit row", async () => {
    expect(await needsAdoption(db)).toBe(true);
    expect(await adoptScenarios(db, ["crowdsecurity/ssh-bf", "crowdsecurity/http-probing", "not a name"])).toBe(2);
    expect(await adoptScenarios(db, ["crowdsecurity/other"])).toBe(0);
    expect(await needsAdoption(db)).toBe(false);
    expect([...(await scenarioIntentMap(db))]).toEqual([
      ["crowdsecurity/http-probing", true],
      ["crowdsecurity/ssh-bf", true],
    ]);
    expect((await auditRows(db)).filter((r) => r.action === "adopt_scenarios")).toHaveLength(1);
    expect(await storeInvariants(db)).toEqual(healthyAt((await readIntent(db)).version));
  });

  it("an empty runtime at first init still counts as adopted (no re-adoption on every check)", async () => {
    await adoptScenarios(db, []);
    expect(await needsAdoption(db)).toBe(false);
  });

  it("a switch commits intent with an audit row and the global version; the same value again is a no-op", async () => {
    await adoptScenarios(db, ["crowdsecurity/ssh-bf"]);
    const row = await setScenarioIntent(db, { name: "crowdsecurity/ssh-bf", enabled: false, expectedVersion: 1 }, ADMIN, KNOWN);
    expect(row).toMatchObject({ enabled: false, version: 2, changedBy: "admin" });
    const fresh = await setScenarioIntent(db, { name: "crowdsecurity/http-probing", enabled: true, expectedVersion: 0 }, ADMIN, KNOWN);
    expect(fresh).toMatchObject({ enabled: true, version: 1 });
    const before = await snapshot();
    await setScenarioIntent(db, { name: "crowdsecurity/ssh-bf", enabled: false, expectedVersion: 2 }, ADMIN, KNOWN);
    expect(await snapshot()).toEqual(before);
    expect(before.audits.filter((r) => r.action === "scenario").map((r) => [r.after, r.outcome])).toEqual([
      [JSON.stringify({ scenario: "crowdsecurity/ssh-bf", enabled: false }), "committed"],
      [JSON.stringify({ scenario: "crowdsecurity/http-probing", enabled: true }), "committed"],
    ]);
    expect(await storeInvariants(db)).toEqual(healthyAt(before.intent.version));
  });

  it("a stale version is a conflict and changes nothing", async () => {
    await adoptScenarios(db, ["crowdsecurity/ssh-bf"]);
    await setScenarioIntent(db, { name: "crowdsecurity/ssh-bf", enabled: false, expectedVersion: 1 }, ADMIN, KNOWN);
    const before = await snapshot();
    await expect(setScenarioIntent(db, { name: "crowdsecurity/ssh-bf", enabled: true, expectedVersion: 1 }, { actor: "other" }, KNOWN)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("was changed by admin"),
    });
    const after = await snapshot();
    expect(after.intents).toEqual(before.intents);
    expect(after.intent).toEqual(before.intent);
    expect(after.audits.slice(before.audits.length)).toEqual([
      expect.objectContaining({
        action: "scenario",
        actor: "other",
        outcome: "rejected",
        configVersion: null,
        error: expect.stringContaining("was changed by admin"),
      }),
    ]);
  });

  it("bad input gets a clear error and changes nothing", async () => {
    await adoptScenarios(db, ["crowdsecurity/ssh-bf"]);
    const before = await snapshot();
    const bad: [unknown, string, RegExp][] = [
      [null, "MALFORMED", /request/],
      [{ name: "ssh-bf", enabled: true, expectedVersion: 0 }, "MALFORMED", /author\/scenario/],
      [{ name: "crowdsecurity/ssh-bf; rm -rf /", enabled: true, expectedVersion: 0 }, "MALFORMED", /author\/scenario/],
      [{ name: "crowdsecurity/ssh-bf", enabled: "yes", expectedVersion: 1 }, "MALFORMED", /enabled must be true or false/],
      [{ name: "crowdsecurity/ssh-bf", enabled: true, expectedVersion: -1 }, "MALFORMED", /expectedVersion/],
      [{ name: "crowdsecurity/ssh-bf", enabled: true, expectedVersion: 1, extra: 1 }, "MALFORMED", /extra|Unrecognized/i],
      [{ name: "x".repeat(300) + "/y", enabled: true, expectedVersion: 0 }, "MALFORMED", /at most 200/],
    ];
    for (const [input, code, message] of bad) {
      await expect(setScenarioIntent(db, input, ADMIN, KNOWN), JSON.stringify(input)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    expect(await snapshot()).toEqual(before);
  });

  it("an unknown scenario is refused with a rejected audit row and no intent change", async () => {
    await adoptScenarios(db, ["crowdsecurity/ssh-bf"]);
    const before = await snapshot();
    await expect(setScenarioIntent(db, { name: "crowdsecurity/not-in-hub", enabled: true, expectedVersion: 0 }, ADMIN, KNOWN)).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "Unknown scenario crowdsecurity/not-in-hub: the runtime's hub does not offer it.",
    });
    const after = await snapshot();
    expect(after.intents).toEqual(before.intents);
    expect(after.audits.slice(before.audits.length).map((r) => [r.outcome, r.configVersion])).toEqual([["rejected", null]]);
  });
});
