/**
 * Mutating API routes refuse cross-site requests: a browser sends `Sec-Fetch-Site` (same-origin for
 * our own pages) and `Origin`; a request from another site is rejected even with a valid cookie.
 * Requests without either header (curl, the CLI's tests) are not from a browser page and pass.
 */
export function isCrossSite(headers: Headers): boolean {
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = headers.get("origin");
  if (!origin) return false;
  const host = headers.get("x-forwarded-host") ?? headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
