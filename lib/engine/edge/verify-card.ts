import type { RuntimeObservation } from "../drivers";
import type { VerifyRun } from "./verify-probes";

// What the last Verify run says on a protection's card: "verified enforcing" with when, or what the
// probe saw instead (the card turns amber). A protection the run did not probe (off, or not enabled
// on any site) gets nothing: silence is never shown as green.

export function withVerify(observation: RuntimeObservation, run: VerifyRun | null, protection: "waf" | "rate_limit"): RuntimeObservation {
  if (!run) return observation;
  const key = protection === "waf" ? "waf" : "rate";
  const probes = run.sites.map((s) => s[key]).filter((p) => p.expected !== "off");
  let verified: string;
  let finding: string | null = null;
  if (run.problem) {
    if (probes.length === 0 && run.sites.length > 0) return observation;
    verified = "not verified";
    finding = run.problem;
  } else if (probes.length === 0) {
    return observation;
  } else if (probes.every((p) => p.ok)) {
    verified = probes.some((p) => p.verdict === "not_probed")
      ? "configured, not probed"
      : probes.every((p) => p.verdict === "detecting")
        ? "detecting"
        : "enforcing";
    finding = probes.find((p) => p.verdict === "not_probed")?.summary ?? null;
  } else {
    verified = "failed";
    const failed = run.sites.find((s) => !s[key].ok);
    finding = failed ? `${failed.host}: ${failed[key].summary}` : null;
  }
  return { ...observation, details: { ...observation.details, verified, verifiedAt: run.at, verifyFinding: finding } };
}
