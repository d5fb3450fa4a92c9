import path from "node:path";
import { z } from "zod";
import { parseEnvironment } from "../../env";

// Where the WAF driver renders the OWASP CRS tuning file (README "Configuration").

export interface WafRuntimeSettings {
  /** The tuning file Warden renders from the WAF intent (what a WAF loads). */
  tuningFile: string;
}

const ZWafEnv = z.object({
  WARDEN_DATA_DIR: z.string().min(1).default("./data"),
  WARDEN_WAF_TUNING_FILE: z.string().min(1).optional(),
});

export function wafSettings(): WafRuntimeSettings {
  const e = parseEnvironment(ZWafEnv);
  return { tuningFile: path.resolve(e.WARDEN_WAF_TUNING_FILE ?? path.join(e.WARDEN_DATA_DIR, "waf", "crs-tuning.conf")) };
}
