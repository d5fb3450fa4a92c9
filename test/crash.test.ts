// eslint-disable-next-line no-restricted-imports -- the delay is the input under test: a kill at a random moment of the child's commit loop, which no event of the child can pick (each marks one fixed point of it)
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../lib/db";
import { readIntent } from "../lib/security/intent-store";
import { dropTestDatabases, migratedDatabase } from "./support/databases";
import { healthyAt, storeInvariants } from "./support/store-state";
import { spawnWriter, type WriterProcess } from "./support/writer-process";

// Crash consistency: a child process commits intent changes in a loop and is killed with SIGKILL at a
// random moment (50–400 ms after it reports it is committing), again and again. After every kill the
// store must be whole: mirror == config, committed audit rows == global version (1..N, each once), the
// config equals the latest committed change of each protection, and no commit the child saw succeed
// is lost.

const KILLS = 20;

const running: WriterProcess[] = [];
afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  await dropTestDatabases();
});

describe.each(["sqlite", "postgresql"] as const)("SIGKILL while committing on %s", (provider) => {
  it(`${KILLS} kills at random moments leave a consistent store every time`, { timeout: 120_000 }, async () => {
    const url = await migratedDatabase(provider);
    const db = createDb(url);
    const spawnNext = (n: number) => {
      const w = spawnWriter({ url, changes: null, worker: `crash-${n}`, waitForGo: true, protection: "random" });
      running.push(w);
      return w;
    };
    try {
      let version = (await readIntent(db)).version;
      const start = version;
      let next = spawnNext(1);
      for (let kill = 1; kill <= KILLS; kill++) {
        const current = next;
        await current.waitFor("ready", 60_000);
        current.go();
        await current.waitFor("committing");
        // The next child starts up (Node + tsx + Prisma) while this one commits.
        if (kill < KILLS) next = spawnNext(kill + 1);
        await sleep(50 + Math.floor(Math.random() * 351));
        current.child.kill("SIGKILL");
        const exit = await current.exited;
        expect(exit, `child ${kill} was still committing when killed (stderr: ${current.stderr()})`).toEqual({ code: null, signal: "SIGKILL" });

        const inv = await storeInvariants(db);
        expect(inv, `store after kill ${kill}`).toEqual(healthyAt(inv.globalVersion ?? -1));
        // Commits the child saw succeed survived the kill; versions never go back.
        const acknowledged = current.events.filter((e) => e.writer === "committed").map((e) => e.version!);
        expect(Math.max(version, ...acknowledged)).toBeLessThanOrEqual(inv.globalVersion!);
        version = inv.globalVersion!;
      }
      // The children did commit between kills (the kills did not all land before the first commit).
      expect(version - start).toBeGreaterThan(KILLS);
      console.info(`[crash ${provider}] ${KILLS} kills, ${version - start} commits survived, store consistent after each`);
    } finally {
      await db.$disconnect();
    }
  });
});
