import { authSettings } from "./settings";

/**
 * The client's address. Next.js gives route handlers no socket address; `next start` sets
 * X-Forwarded-For itself. Behind a reverse proxy (WARDEN_TRUST_PROXY=true) the first entry is the
 * client as the proxy saw it; otherwise the last entry, the one the nearest hop added, is used, so a
 * client cannot pick its own address by sending the header.
 */
export function clientIp(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  if (!forwarded) return headers.get("x-real-ip");
  const hops = forwarded.split(",").map((h) => h.trim()).filter(Boolean);
  const ip = authSettings().trustProxy ? hops[0] : hops[hops.length - 1];
  return ip ? ip.replace(/^::ffff:/, "").slice(0, 64) : null;
}

export function userAgent(headers: Headers): string | null {
  return headers.get("user-agent")?.slice(0, 256) ?? null;
}
