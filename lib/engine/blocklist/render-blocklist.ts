import { createHash } from "node:crypto";

// The edge's blocklist files: the `geo` include (one "value 1;" line per banned address or range)
// and what the control listener answers about it (generation, count, hash of the include). Values
// come from the ban grammar's canonical output; each is checked again here, so nothing but an
// address or a range can ever reach nginx.

/** The include of `geo $warden_banned` (http level). */
export const BLOCKLIST_FILE = "conf.d/blocklist.conf";
/** The control listener's answer about the blocklist it loaded. */
export const BLOCKLIST_META_FILE = "conf.d/blocklist-generation.conf";
export const BLOCKLIST_PATH = "/__warden/blocklist";

const VALUE = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)(?:\/\d{1,3})?$/;

export interface RenderedBlocklist {
  text: string;
  hash: string;
  count: number;
}

export function renderBlocklist(entries: readonly string[]): RenderedBlocklist {
  const lines = ["# Written by Warden's decision loop from CrowdSec's active bans; edits are overwritten."];
  for (const value of entries) {
    if (!VALUE.test(value)) throw new Error(`refusing to render ${JSON.stringify(value)} into the blocklist`);
    lines.push(`${value} 1;`);
  }
  const text = lines.join("\n") + "\n";
  return { text, hash: createHash("sha256").update(text).digest("hex"), count: entries.length };
}

export function renderBlocklistMeta(generation: number, count: number, hash: string): string {
  if (!Number.isSafeInteger(generation) || generation < 0 || !Number.isSafeInteger(count) || count < 0 || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new Error(`refusing to render blocklist generation ${generation} / count ${count} / hash ${hash}`);
  }
  return `return 200 '{"generation":${generation},"count":${count},"hash":"${hash}"}\\n';\n`;
}

export function parseBlocklistMeta(text: string): { generation: number; count: number; hash: string } | null {
  const m = /"generation":(\d+),"count":(\d+),"hash":"([0-9a-f]{64})"/.exec(text);
  return m ? { generation: Number(m[1]), count: Number(m[2]), hash: m[3]! } : null;
}

/**
 * CrowdSec's bans (the decision loop writes the include; an empty one until it runs). `geo` matches
 * the client address ($remote_addr, after real_ip) against addresses and ranges at no cost per request.
 */
export function blocklistGeo(): string[] {
  return [
    "# Active CrowdSec bans: 1 for a banned client address (Warden's decision loop writes the include).",
    "geo $warden_banned {",
    "    default 0;",
    `    include ${BLOCKLIST_FILE};`,
    "}",
    "map $warden_banned $warden_ban_mark {",
    '    default "";',
    "    1 ban;",
    "}",
  ];
}

/**
 * The ban check, first in every public server: the server-level rewrite phase runs before ModSecurity
 * and the rate limit, so a banned client costs neither. The answer says why and is marked as a ban.
 */
export function banCheck(): string[] {
  return [
    "add_header X-Warden-Block $warden_ban_mark always;",
    "if ($warden_banned) {",
    '    return 403 "Forbidden: your address is banned by this site\'s security policy (CrowdSec decision). Request id: $request_id\n";',
    "}",
  ];
}
