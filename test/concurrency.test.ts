import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../lib/db";
import { readIntent } from "../lib/security/intent-store";
import { dropTestDatabases, migratedDatabase } from "./support/databases";
import { auditRows, healthyAt, storeInvariants } from "./support/store-state";
import { spawnWriter } from "./support/writer-process";

// 50 intent changes from 5 separate processes at once (not one process, where the SQLite driver
// serialises everything), each retrying on conflict with the fresh version until it commits.

const PROCESSES = 5;
const CHANGES_EACH = 10;

afterAll(dropTestDatabases);

describe.each(["sqlite", "postgresql"] as const)("concurrent writers on %s", (provider) => {
  it(`${PROCESSES} processes × ${CHANGES_EACH} changes: every change commits once, history and mirror agree`, async () => {
    const url = await migratedDatabase(provider);
    const db = createDb(url);
    try {
      const initial = (await readIntent(db)).version;
      expect(initial).toBe(1);

      const writers = Array.from({ length: PROCESSES }, (_, i) =>
        spawnWriter({ url, changes: CHANGES_EACH, worker: `writer-${i + 1}`, waitForGo: true, protection: "random" }),
      );
      try {
        await Promise.all(writers.map((w) => w.waitFor("ready", 60_000)));
        for (const w of writers) w.go(); // all start at once
        const exits = await Promise.all(writers.map((w) => w.exited));
        expect(
          exits.map((e, i) => ({ ...e, stderr: writers[i]!.stderr() })),
          "every writer exits cleanly",
        ).toEqual(writers.map(() => ({ code: 0, signal: null, stderr: "" })));
      } finally {
        for (const w of writers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
      }

      const committed = writers.flatMap((w) => w.events.filter((e) => e.writer === "committed"));
      const done = writers.map((w) => w.events.find((e) => e.writer === "done")!);
      expect(committed).toHaveLength(PROCESSES * CHANGES_EACH);

      // The writers really ran at the same time: every one was in its change loop before any finished.
      const startedAt = writers.map((w) => w.events.find((e) => e.writer === "committing")!.at!);
      expect(Math.max(...startedAt)).toBeLessThan(Math.min(...done.map((d) => d.at!)));

      // No lost update: each commit got its own global version, exactly initial+1 … initial+50.
      const versions = committed.map((e) => e.version!).sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: PROCESSES * CHANGES_EACH }, (_, i) => initial + 1 + i));

      const inv = await storeInvariants(db);
      expect(inv).toEqual(healthyAt(initial + PROCESSES * CHANGES_EACH));

      // The final state equals the last committed change (of each protection).
      const audits = await auditRows(db);
      const last = audits.filter((a) => a.outcome === "committed").at(-1)!;
      expect(last.configVersion).toBe(initial + PROCESSES * CHANGES_EACH);
      const final = await readIntent(db);
      const p = last.protection as "crowdsec" | "waf" | "rate_limit";
      expect({ enabled: final[p].enabled, ...final[p].settings }).toEqual(JSON.parse(last.after!));

      // Every conflict a writer saw (and retried) left exactly one `rejected` audit row, nothing else.
      const conflicts = done.reduce((n, d) => n + d.conflicts!, 0);
      expect(audits.filter((a) => a.outcome === "rejected")).toHaveLength(conflicts);
      expect(audits.filter((a) => a.outcome === "committed")).toHaveLength(initial + PROCESSES * CHANGES_EACH);
      console.info(`[concurrency ${provider}] ${PROCESSES * CHANGES_EACH} commits, ${conflicts} conflicts retried`);
    } finally {
      await db.$disconnect();
    }
  });
});
