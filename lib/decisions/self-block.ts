import { addressInRange } from "./ban-value";
import type { IpFamily } from "./ip-address";

// A ban must not lock out what the panel itself needs (the admin's own address, the Local API, the
// edge's probes) without the admin saying so: the form names what the ban would block and asks for a
// confirmation.

/**
 * The address Verify bans on purpose, to see the edge refuse it (the edge's ban probe). A ban of
 * exactly this address is Verify's own and never a conflict; a range that covers it is judged like
 * any other ban, by the other addresses it covers.
 */
export const BAN_PROBE_ADDRESS = "127.0.0.5";

export type SelfBlockNeed = { address: string; why: string };

/** The needed addresses a ban (canonical, from parseBanValue) covers: exactly, or inside its range; IPv4-mapped forms match. */
export function selfBlockConflicts(ban: { value: string; family: IpFamily; prefix: number }, needs: readonly SelfBlockNeed[]): SelfBlockNeed[] {
  const network = ban.value.split("/")[0]!;
  if (network === BAN_PROBE_ADDRESS && ban.family === 4 && ban.prefix === 32) return [];
  const range = `${network}/${ban.prefix}`;
  return needs.filter((need) => addressInRange(need.address, range)).map(({ address, why }) => ({ address, why }));
}

/** One sentence for the confirmation, e.g. "This ban would block your own address 203.0.113.7 (the address you are signed in from); confirm to ban anyway". */
export function describeSelfBlock(conflicts: readonly SelfBlockNeed[]): string {
  if (conflicts.length === 0) return "";
  // One address needed for two reasons (the admin signed in from the Local API's host) is named once.
  const whys = new Map<string, string[]>();
  for (const c of conflicts) whys.set(c.address, [...(whys.get(c.address) ?? []), c.why]);
  const named = [...whys].map(([address, why]) => `${address} (${why.join(", ")})`);
  const list = named.length === 1 ? named[0]! : `${named.slice(0, -1).join(", ")} and ${named.at(-1)!}`;
  return `This ban would block your own ${named.length === 1 ? "address" : "addresses"} ${list}; confirm to ban anyway`;
}
