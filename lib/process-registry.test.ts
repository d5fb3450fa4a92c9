import { afterEach, describe, expect, it, vi } from "vitest";

// Next.js can load a module twice in one process; vi.resetModules() + a fresh import gives the same:
// a second instance of the registry module (and of a module holding a singleton) with module-level
// state of its own. The singleton must still be one object.

const KEY = "test.process-registry";

afterEach(async () => {
  const { processSlot } = await import("./process-registry");
  processSlot(KEY).clear();
  vi.resetModules();
});

describe("process registry", () => {
  it("two instances of the module hand out the same object, created once", async () => {
    const first = await import("./process-registry");
    let created = 0;
    const a = first.singleton(KEY, () => ({ n: ++created }));
    vi.resetModules();
    const second = await import("./process-registry");
    expect(second).not.toBe(first);
    const b = second.singleton(KEY, () => ({ n: ++created }));
    expect(b).toBe(a);
    expect(created).toBe(1);
  });

  it("the process's database client is one object across module instances", async () => {
    const { processSlot } = await import("./process-registry");
    const sentinel = { $disconnect: async () => undefined };
    processSlot("db").set(sentinel);
    try {
      vi.resetModules();
      const dbModule = await import("./db");
      expect(dbModule.db()).toBe(sentinel);
    } finally {
      processSlot("db").clear();
    }
  });

  it("clear forgets the value for every instance: the next use creates a new one", async () => {
    const first = await import("./process-registry");
    const a = first.singleton(KEY, () => ({}));
    vi.resetModules();
    const second = await import("./process-registry");
    second.processSlot(KEY).clear();
    expect(first.processSlot(KEY).get()).toBeUndefined();
    expect(first.singleton(KEY, () => ({}))).not.toBe(a);
  });
});
