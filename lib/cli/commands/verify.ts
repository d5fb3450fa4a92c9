import "server-only";
import { db } from "../../db";
import { createEngine } from "../../engine/engine";
import type { ProtectionProbe } from "../../engine/edge/verify-probes";
import { schemaGate } from "../../migrations/gate";
import { listSites } from "../../sites/site-read";

const USAGE = "usage: npm run cli -- verify [--site <host>] [--json]";

const WORD: Record<ProtectionProbe["verdict"], string> = {
  enforcing: "enforcing",
  detecting: "detecting",
  not_enforcing: "NOT ENFORCING",
  not_probed: "configured, not probed",
  off: "off",
};

/**
 * `verify [--site <host>] [--json]`: Verify protection now, as the panel's button does: a benign
 * request, an attack from 127.0.0.3 and a burst from 127.0.0.4 through the edge to each enabled site's
 * probe location, judged against the intent; audited. Exit 0 only when every enabled protection was
 * seen enforced (1 otherwise, 2 for bad arguments).
 */
export async function verifyCommand(args: string[]): Promise<number> {
  let site: string | null = null;
  const json = args.includes("--json");
  const rest = args.filter((a) => a !== "--json");
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--site" && rest[i + 1] !== undefined && !rest[i + 1]!.startsWith("--")) site = rest[++i]!.toLowerCase();
    else {
      console.error(`unknown verify argument: ${rest[i]} (${USAGE})`);
      return 2;
    }
  }
  const gate = await schemaGate(undefined, { fresh: true });
  if (!gate.ok) {
    console.error(`FAILED: not verifying while the schema is degraded. ${gate.report.summary}`);
    return 1;
  }
  const engine = createEngine(db());
  try {
    let siteIds: string[] | undefined;
    if (site !== null) {
      const found = (await listSites(db())).find((s) => s.hosts.includes(site!));
      if (!found) {
        console.error(`FAILED: no site serves ${site} (the Sites page lists them)`);
        return 2;
      }
      siteIds = [String(found.id)];
    }
    const run = await engine.verifier.run("cli", { actor: "cli", siteIds });
    if (json) console.log(JSON.stringify(run, null, 2));
    else {
      if (run.problem) console.log(`Edge: ${run.problem}`);
      for (const s of run.sites) {
        console.log(`${s.host}: probe location ${s.benign.ok ? "ok" : `FAILED (${s.benign.summary})`}`);
        console.log(`  WAF:           ${WORD[s.waf.verdict]} — ${s.waf.summary}`);
        console.log(`  rate limiting: ${WORD[s.rate.verdict]} — ${s.rate.summary}`);
      }
      console.log(run.failures.length ? `FAILED: ${run.failures.join(" ")}` : `Verified in ${run.ms} ms: every enabled protection was seen enforced.`);
    }
    return run.failures.length ? 1 : 0;
  } finally {
    engine.close();
    await db().$disconnect();
  }
}
