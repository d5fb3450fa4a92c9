import path from "node:path";
import { env } from "../../env";

// Where the WAF driver renders the OWASP CRS tuning file (README "Configuration").

export interface WafRuntimeSettings {
  /** The tuning file Warden renders from the WAF intent (what a WAF loads). */
  tuningFile: string;
}

export function wafSettings(): WafRuntimeSettings {
  const e = env();
  return { tuningFile: path.resolve(e.WARDEN_WAF_TUNING_FILE ?? path.join(e.WARDEN_DATA_DIR, "waf", "crs-tuning.conf")) };
}
