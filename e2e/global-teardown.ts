import path from "node:path";
import type { FullConfig } from "@playwright/test";
import { e2eAgents, stopAgents } from "./crowdsec-agents";
import { e2eEdges, killEdges } from "./edge-instances";

// Runs after the last test, while the webServers are still up (Playwright tears its global teardown
// down before its webServers). Every CrowdSec agent an e2e server started is detached (own process
// group, pid file) and would outlive the server's SIGKILL: stop each `crowdsec -c
// <repo>/data/e2e-<server>/…/config.yaml` (SIGTERM, SIGKILL after 8 s). The e2e servers run with
// WARDEN_SELF_HEAL=false, so none of them restarts its agent meanwhile.
export default async function globalTeardown(config: FullConfig): Promise<void> {
  const repoRoot = config.configFile ? path.dirname(config.configFile) : process.cwd();
  // The edges (nginx) the servers started are detached the same way.
  const edges = e2eEdges(repoRoot);
  if (edges.length) {
    const left = await killEdges(edges);
    console.log(`global teardown: stopped ${edges.length} nginx process(es) of the e2e servers' edges`);
    if (left.length) throw new Error(`edge processes still running after the teardown: ${left.join(", ")}`);
  }
  const agents = e2eAgents(repoRoot);
  if (agents.length === 0) return;
  const started = Date.now();
  const killed = await stopAgents(agents, 8_000);
  const left = e2eAgents(repoRoot);
  console.log(
    `global teardown: stopped ${agents.length} CrowdSec agent(s) of the e2e servers (${agents.map((a) => `pid ${a.pid}: ${path.relative(repoRoot, a.config)}`).join("; ")})` +
      ` in ${Date.now() - started} ms${killed.length ? `; SIGKILL needed for ${killed.join(", ")}` : ""}`,
  );
  if (left.length) throw new Error(`CrowdSec agents still running after the teardown: ${left.map((a) => a.pid).join(", ")}`);
}
