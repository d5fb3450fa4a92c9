import { env } from "../env";
import { log } from "../log";

// Set by server.mjs, the HTTP layer in front of Next.js: it removes every forwarding header a client
// sent and writes X-Forwarded-For itself (the socket's peer, or the address a trusted proxy vouched
// for: WARDEN_TRUSTED_PROXIES). Without it (a bare `next start`) the header is whatever the client
// wrote, so it is not believed.
let warnedNoServer = false;

/** Whether X-Forwarded-For was written by Warden's server rather than by the client. */
export function behindWardenServer(): boolean {
  return env().WARDEN_HTTP_SERVER === "warden";
}

/**
 * The client's address, as resolved by server.mjs from the socket (and trusted proxies only). Null
 * when the panel was started without that server: per-address limits then cannot apply, which is
 * logged at WARN once rather than trusting an address the client chose.
 */
export function clientIp(headers: Headers): string | null {
  if (!behindWardenServer()) {
    if (!warnedNoServer) {
      warnedNoServer = true;
      log.warn(
        { event: "client_address_unknown", source: "lib/auth/client-info" },
        "started without server.mjs: client addresses are unknown, so per-address sign-in limits do not apply; start the panel with `npm run start`",
      );
    }
    return null;
  }
  const address = headers.get("x-forwarded-for")?.trim();
  return address ? address.slice(0, 64) : null;
}

export function userAgent(headers: Headers): string | null {
  return headers.get("user-agent")?.slice(0, 256) ?? null;
}
