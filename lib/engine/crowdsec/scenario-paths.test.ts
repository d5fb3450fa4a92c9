import path from "node:path";
import { describe, expect, it } from "vitest";
import { hubLinkTarget, linkPathFor, stemCollisions } from "./scenario-paths";

describe("link paths", () => {
  it("points a link at the hub file, and names it by the stem only (as cscli)", () => {
    expect(hubLinkTarget("/srv/d/hub", "crowdsecurity/ssh-bf")).toBe("/srv/d/hub/scenarios/crowdsecurity/ssh-bf.yaml");
    expect(hubLinkTarget("relative/hub", "a/b")).toBe(path.resolve("relative/hub/scenarios/a/b.yaml"));
    expect(linkPathFor("/srv/d/etc/scenarios", "crowdsecurity/ssh-bf")).toBe("/srv/d/etc/scenarios/ssh-bf.yaml");
  });
  it("refuses names that are not author/stem", () => {
    for (const bad of ["ssh-bf", "a/b/c", "../x", "a/..", "", "a\\b/c"]) {
      expect(() => linkPathFor("/d", bad)).toThrow(RangeError);
      expect(() => hubLinkTarget("/h", bad)).toThrow(RangeError);
    }
  });
  it("finds stems shared by two authors (they would share one link path)", () => {
    expect(stemCollisions(["a/x", "b/x", "a/y", "c/x"])).toEqual(new Map([["x", ["a/x", "b/x", "c/x"]]]));
    expect(stemCollisions(["a/x", "a/y"]).size).toBe(0);
  });
});
