import { describe, expect, it } from "vitest";
import { localScenarioNames } from "./local-scenarios";

describe("localScenarioNames", () => {
  it("handles document markers and duplicate keys", () => {
    expect(localScenarioNames("---\nname: a/b\n...\n---\nname: a/c\nname: a/d\n", "f.yaml")).toEqual({
      names: ["a/b", "a/d"],
      problems: ["f.yaml: YAML document 2 sets name: 2 times; the last one (a/d) is used"],
    });
  });
});
