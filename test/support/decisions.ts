import type { PersistedDecision } from "../../lib/decisions/decision-store";

// A realistic active decision set for tests: mostly scenario bans of single addresses, some manual and
// panel bans, ranges, a few captchas and country decisions the edge cannot enforce, and CAPI/list
// decisions ("other"). Deterministic: row i is always the same decision.

const SCENARIOS = ["crowdsecurity/http-probing", "crowdsecurity/ssh-bf", "crowdsecurity/http-crawl-non_statics", "crowdsecurity/http-bad-user-agent"];

export function decisionRow(i: number, now: Date): PersistedDecision {
  const id = i + 1;
  const octets = `${10 + (i % 200)}.${Math.floor(i / 200) % 250}.${i % 7}.${(i % 250) + 1}`;
  const expiresAt = new Date(now.getTime() + (60 + ((i * 37) % 86_400)) * 1000);
  if (i % 500 === 7)
    return {
      id,
      value: "CN",
      scope: "Country",
      type: "ban",
      origin: "cscli",
      scenario: "manual 'ban' from 'localhost'",
      expiresAt,
      enforced: false,
      notEnforcedReason: "country scope",
    };
  if (i % 100 === 3)
    return {
      id,
      value: octets,
      scope: "Ip",
      type: "captcha",
      origin: "crowdsec",
      scenario: SCENARIOS[i % 4]!,
      expiresAt,
      enforced: false,
      notEnforcedReason: "captcha",
    };
  if (i % 50 === 1)
    return {
      id,
      value: `${octets.split(".").slice(0, 3).join(".")}.0/24`,
      scope: "Range",
      type: "ban",
      origin: "cscli",
      scenario: "manual 'ban' from 'localhost'",
      expiresAt,
      enforced: true,
      notEnforcedReason: null,
    };
  if (i % 20 === 2)
    return {
      id,
      value: octets,
      scope: "Ip",
      type: "ban",
      origin: "warden",
      scenario: `Panel ban by admin: abuse report #${i}`,
      expiresAt,
      enforced: true,
      notEnforcedReason: null,
    };
  if (i % 10 === 5)
    return {
      id,
      value: octets,
      scope: "Ip",
      type: "ban",
      origin: i % 20 === 5 ? "CAPI" : "lists",
      scenario: "crowdsecurity/community-blocklist",
      expiresAt,
      enforced: true,
      notEnforcedReason: null,
    };
  return { id, value: octets, scope: "Ip", type: "ban", origin: "crowdsec", scenario: SCENARIOS[i % 4]!, expiresAt, enforced: true, notEnforcedReason: null };
}

export function decisionRows(count: number, now: Date): PersistedDecision[] {
  return Array.from({ length: count }, (_, i) => decisionRow(i, now));
}
