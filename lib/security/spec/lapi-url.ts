// The grammar of the CrowdSec LAPI URL an admin may enter (it ends up in the agent's runtime config).

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** http(s), a loopback address or a host name (not a bare non-loopback IP), no credentials. */
export function lapiUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "LAPI URL is not a valid URL (example: http://127.0.0.1:8080)";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "LAPI URL must start with http:// or https://";
  if (url.username || url.password) return "LAPI URL must not contain credentials";
  if (url.search || url.hash) return "LAPI URL must not contain a query or fragment";
  const host = url.hostname;
  if (LOOPBACK_HOST.test(host)) return null;
  if (IPV4.test(host) || host.startsWith("[")) return "LAPI URL must use a loopback address or a host name";
  if (!HOST_NAME.test(host)) return "LAPI URL has an invalid host name";
  return null;
}
