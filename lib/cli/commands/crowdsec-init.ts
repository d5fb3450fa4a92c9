import "server-only";
import { crowdsecSettings } from "../../engine/crowdsec/settings";
import { findRunningAgent } from "../../engine/crowdsec/pid-file";
import { missingPackage, INSTALL_HINT } from "../../engine/crowdsec/installed-package";
import { ensureInstance, instanceExists } from "../../engine/crowdsec/instance";

/** `crowdsec:init`: create the managed CrowdSec instance now, offline, from the Debian package's files. */
export async function crowdsecInitCommand(args: string[]): Promise<number> {
  if (args.length) {
    console.error(`unknown crowdsec:init argument: ${args.join(" ")} (usage: npm run cli -- crowdsec:init)`);
    return 2;
  }
  const settings = crowdsecSettings();
  const missing = missingPackage(settings);
  if (missing) {
    console.error(`FAILED: CrowdSec is not installed (${missing}). ${INSTALL_HINT}`);
    return 1;
  }
  const running = instanceExists(settings) ? findRunningAgent(settings) : null;
  if (running) {
    // Rewriting its config under a running agent would leave it on the old settings; the panel's next
    // apply (or `reconcile`) syncs the config and restarts it when needed.
    console.log(`Already present: CrowdSec instance ${settings.instanceDir}, its agent is running (pid ${running.pid}); left unchanged.`);
    return 0;
  }
  const result = await ensureInstance(settings);
  console.log(
    `${result.created ? "Created" : "Already present:"} CrowdSec instance ${result.dir} (LAPI 127.0.0.1:${settings.lapiPort}, Prometheus 127.0.0.1:${settings.prometheusPort}).`,
  );
  return 0;
}
