import { CrowdsecDriver } from "../../lib/engine/crowdsec/driver";
import type { CrowdsecRuntimeSettings } from "../../lib/engine/crowdsec/settings";
import { crowdsecIntent } from "./crowdsec";

// A second "panel" process for lock tests: applies one CrowdSec intent to the given instance with a
// real driver and prints the result as one JSON line. The agent it may start outlives it.

const { settings, enabled, version } = JSON.parse(process.argv[2]!) as {
  settings: CrowdsecRuntimeSettings;
  enabled: boolean;
  version: number;
};
const driver = new CrowdsecDriver(settings);
const result = await driver.apply(crowdsecIntent(enabled, version), new AbortController().signal);
driver.close();
console.log(
  JSON.stringify({
    status: result.status,
    pid: result.status === "applied" ? result.observation.pid : undefined,
    error: result.status === "failed" ? result.error : undefined,
  }),
);
process.exit(0);
