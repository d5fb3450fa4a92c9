import { describe, expect, it } from "vitest";
import { compareScenarios, scenariosCannotVerify } from "./scenario-diff";
import type { RuntimeScenariosOk } from "./scenario-files";

describe("compareScenarios", () => {
  const runtime = (names: Record<string, "hub" | "local">, extra: Partial<RuntimeScenariosOk> = {}): RuntimeScenariosOk => ({
    ok: true,
    dir: "/d/etc/scenarios",
    enabled: new Map(Object.entries(names).map(([n, kind]) => [n, { file: `/d/etc/scenarios/${n.split("/")[1]}.yaml`, kind }])),
    broken: new Map(),
    problems: [],
    ignored: [],
    ...extra,
  });

  it("is in sync when the enabled sets agree (no intent row = disabled)", () => {
    const r = compareScenarios(
      new Map([
        ["a/x", true],
        ["a/y", false],
      ]),
      runtime({ "a/x": "hub" }),
    );
    expect(r).toEqual({
      surface: "scenarios",
      verdict: "in_sync",
      differences: [],
      expected: { enabled: 1 },
      actual: { enabled: 1, dir: "/d/etc/scenarios", ignored: 0, problems: [], problemCount: 0 },
      reason: null,
    });
  });

  it("lists both directions, sorted by name, worded for an admin", () => {
    const intent = new Map([
      ["crowdsecurity/ssh-bf", false],
      ["crowdsecurity/http-probing", true],
      ["me/custom", true],
    ]);
    const r = compareScenarios(intent, runtime({ "crowdsecurity/ssh-bf": "hub", "ltsich/http-w00tw00t": "hub", "me/custom": "local" }));
    expect(r.verdict).toBe("drift");
    expect(r.differences).toEqual([
      { item: "scenario crowdsecurity/http-probing", expected: "enabled", actual: "disabled" },
      { item: "scenario crowdsecurity/ssh-bf", expected: "disabled", actual: "enabled" },
      { item: "scenario ltsich/http-w00tw00t", expected: "disabled", actual: "enabled" },
    ]);
    expect(r.expected).toEqual({ enabled: 2 });
    expect(r.actual).toMatchObject({ enabled: 3 });
  });

  it("says when a wanted scenario's link is dangling, and caps the problems in the summary", () => {
    const problems = Array.from({ length: 30 }, (_, i) => `problem ${i}`);
    const r = compareScenarios(
      new Map([["crowdsecurity/ssh-bf", true]]),
      runtime({}, { broken: new Map([["crowdsecurity/ssh-bf", "/d/etc/scenarios/ssh-bf.yaml"]]), problems, ignored: ["README"] }),
    );
    expect(r.differences).toEqual([
      { item: "scenario crowdsecurity/ssh-bf", expected: "enabled", actual: "disabled (its link ssh-bf.yaml points to a missing file)" },
    ]);
    expect(r.actual).toMatchObject({ enabled: 0, ignored: 1, problemCount: 30 });
    expect((r.actual!.problems as string[]).length).toBe(20);
  });

  it("has a cannot_verify form for an unreadable directory", () => {
    expect(
      scenariosCannotVerify(
        "the runtime's scenarios directory /x does not exist",
        new Map([
          ["a/b", true],
          ["a/c", false],
        ]),
      ),
    ).toEqual({
      surface: "scenarios",
      verdict: "cannot_verify",
      differences: [],
      expected: { enabled: 1 },
      actual: null,
      reason: "the runtime's scenarios directory /x does not exist",
    });
  });
});
