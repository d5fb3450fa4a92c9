import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createPostgresDatabase } from "../../test/support/databases";
import { ADVISORY_LOCKS } from "../advisory-locks";
import { log } from "../log";
import { electLeader, type Leadership } from "./leader";

// Leader election among replicas sharing a real PostgreSQL database (docs/decisions/007): exactly one
// runs the reconciler and the drift detector; when it goes away another takes over.

let database: { url: string; drop: () => Promise<void> };
beforeAll(async () => {
  database = await createPostgresDatabase();
});
afterAll(async () => database.drop());
afterEach(() => vi.restoreAllMocks());

function replica(name: string, events: string[]): Leadership {
  return electLeader(database.url, { onElected: () => void events.push(`${name}:elected`), onLost: () => void events.push(`${name}:lost`) }, 100);
}

/** Resolves once a replica found the lock taken and said it follows (the leader is the other one). */
async function followed(): Promise<void> {
  const info = vi.spyOn(log, "info");
  await vi.waitFor(() => expect(info).toHaveBeenCalledWith(expect.objectContaining({ event: "leader_follower" }), expect.any(String)), { timeout: 3_000 });
}

describe("leader election", () => {
  it("with SQLite this process leads at once", () => {
    const events: string[] = [];
    const l = electLeader("file:/tmp/whatever.db", { onElected: () => void events.push("elected"), onLost: () => undefined });
    expect(l.isLeader()).toBe(true);
    expect(events).toEqual(["elected"]);
  });

  it("two replicas: exactly one leads; when it stops, the other takes over", async () => {
    const events: string[] = [];
    const a = replica("a", events);
    await vi.waitFor(() => expect(a.isLeader()).toBe(true));
    const b = replica("b", events);
    await followed();
    expect(b.isLeader()).toBe(false);
    await a.stop();
    await vi.waitFor(() => expect(b.isLeader()).toBe(true), { timeout: 3_000 });
    expect(events).toEqual(["a:elected", "b:elected"]);
    await b.stop();
  });

  it("a leader whose connection is killed loses leadership (onLost) and the other replica takes over", async () => {
    const events: string[] = [];
    const a = replica("a", events);
    await vi.waitFor(() => expect(a.isLeader()).toBe(true));
    const b = replica("b", events);
    await followed();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      // The backend holding the advisory lock (as if the leader's host went away).
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [ADVISORY_LOCKS.leader]);
    } finally {
      await admin.end();
    }
    await vi.waitFor(() => expect(events).toContain("a:lost"), { timeout: 3_000 });
    await vi.waitFor(() => expect(a.isLeader() !== b.isLeader()).toBe(true), { timeout: 3_000 });
    expect(events.filter((e) => e.endsWith(":elected")).length).toBe(2);
    await a.stop();
    await b.stop();
  });
});
