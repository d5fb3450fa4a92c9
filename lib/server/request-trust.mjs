// @ts-check
// What the panel may believe about a request's origin. The client address is the socket's peer;
// forwarding headers (X-Forwarded-For/-Proto/-Host) count only when that peer is a configured trusted
// proxy, and the forwarded chain is walked from the right past trusted hops (the proxy-addr model):
// the first address not in the trusted set is the client. Plain JavaScript: server.mjs loads it
// before Next.js, without a TypeScript loader.
import { BlockList, isIP } from "node:net";
import { parseProxyEntry, PROXY_LIST_HINT } from "../env-schema.mjs";

/** Headers a client could use to claim another address, scheme or host; removed from every request. */
export const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip"];

/**
 * @typedef {{ blockList: BlockList; entries: string[] }} TrustedProxies
 * @typedef {{ address: string; proto: "http" | "https"; host: string | null; viaProxy: boolean; malformed: string | null }} ResolvedClient
 */

/**
 * `::ffff:192.0.2.1` → `192.0.2.1`; anything else unchanged.
 * @param {string} address
 */
export function normalizeAddress(address) {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? /** @type {string} */ (mapped[1]) : address;
}

/**
 * Parses WARDEN_TRUSTED_PROXIES: comma-separated IPv4/IPv6 addresses or CIDR ranges (the grammar the
 * edge's WARDEN_EDGE_TRUSTED_PROXIES shares: lib/env-schema.mjs), empty → none.
 * Throws one message naming the variable and the bad entry.
 * @param {string | undefined} value
 * @returns {TrustedProxies}
 */
export function parseTrustedProxies(value) {
  const blockList = new BlockList();
  const entries = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const parsed = parseProxyEntry(entry);
    if ("error" in parsed) throw new Error(`WARDEN_TRUSTED_PROXIES: "${entry}" ${parsed.error} (${PROXY_LIST_HINT})`);
    const type = parsed.family === 4 ? "ipv4" : "ipv6";
    if (parsed.prefix === null) blockList.addAddress(parsed.address, type);
    else blockList.addSubnet(parsed.address, parsed.prefix, type);
  }
  return { blockList, entries };
}

/**
 * @param {TrustedProxies} trusted
 * @param {string} address
 */
export function isTrusted(trusted, address) {
  const family = isIP(address);
  if (!family || trusted.entries.length === 0) return false;
  return trusted.blockList.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** @param {string | string[] | undefined} value */
function headerList(value) {
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

// host[:port], a DNS name or an IP literal: what a proxy may report as the original Host.
const HOST_PATTERN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The client as far as the trusted proxies vouch for it.
 * @param {string | undefined} socketAddress the TCP peer (req.socket.remoteAddress)
 * @param {Record<string, string | string[] | undefined>} headers the request's headers as received
 * @param {TrustedProxies} trusted
 * @returns {ResolvedClient}
 */
export function resolveClient(socketAddress, headers, trusted) {
  const peer = normalizeAddress(socketAddress ?? "");
  /** @type {ResolvedClient} */
  const direct = { address: peer, proto: "http", host: null, viaProxy: false, malformed: null };
  if (!peer || !isTrusted(trusted, peer)) return direct;

  // Walk X-Forwarded-For from the right: each hop was appended by the proxy before it.
  const hops = headerList(headers["x-forwarded-for"]);
  let client = peer;
  let malformed = null;
  for (let i = hops.length - 1; i >= 0 && isTrusted(trusted, client); i--) {
    const hop = normalizeAddress(/** @type {string} */ (hops[i]));
    if (!isIP(hop)) {
      // A trusted proxy passed on something that is not an address: nothing left of it can be believed.
      malformed = hop.slice(0, 64);
      break;
    }
    client = hop;
  }
  const proto = headerList(headers["x-forwarded-proto"])[0]?.toLowerCase();
  const host = headerList(headers["x-forwarded-host"])[0];
  return {
    address: client,
    proto: proto === "https" ? "https" : "http",
    host: host && HOST_PATTERN.test(host) ? host : null,
    viaProxy: true,
    malformed,
  };
}

/**
 * Rewrites the request's headers in place: every client-sent forwarding header is removed, then the
 * resolved client address and scheme (and the proxy's Host, when one vouched for it) are set, so the
 * app and the libraries in it read one trustworthy X-Forwarded-For.
 * @param {Record<string, string | string[] | undefined>} headers
 * @param {ResolvedClient} client
 */
export function applyClientHeaders(headers, client) {
  for (const name of FORWARDING_HEADERS) delete headers[name];
  if (client.address) headers["x-forwarded-for"] = client.address;
  headers["x-forwarded-proto"] = client.proto;
  if (client.host) headers["x-forwarded-host"] = client.host;
}

/**
 * WARDEN_TRUST_PROXY trusted the first X-Forwarded-For entry, which any client controls. It is
 * refused rather than ignored, so an upgrade cannot silently change who the panel thinks a client is.
 * @param {Record<string, string | undefined>} env
 */
export function refuseLegacyTrustProxy(env) {
  if (env.WARDEN_TRUST_PROXY !== undefined) {
    throw new Error(
      "WARDEN_TRUST_PROXY is no longer supported: it let any client choose its own address. Remove it and set WARDEN_TRUSTED_PROXIES to the addresses of your reverse proxies (comma-separated IPs or CIDR ranges, e.g. WARDEN_TRUSTED_PROXIES=127.0.0.1); without it the client address is the connection's peer.",
    );
  }
}
