// The loopback source addresses Warden keeps for its own traffic through the edge, one per use, so
// the edge sees each as a client of its own (its rate limit, its ban) and can tell it from visitors.
// None of them reaches the access log CrowdSec reads (render-nginx.ts): Warden's own requests must
// never become a detection. Tests send from 127.0.0.6 and up.

/** The benchmarks' clients (bench/edge*.ts), where they hit the edge. */
export const BENCH_SOURCE = "127.0.0.2";
/** Verify's WAF probe (an attack that must be blocked or logged). */
export const WAF_PROBE_SOURCE = "127.0.0.3";
/** Verify's rate probe (a burst past the limit). */
export const RATE_PROBE_SOURCE = "127.0.0.4";
/** Verify's ban probe (bans itself for a minute, expects 403, unbans). */
export const BAN_PROBE_SOURCE = "127.0.0.5";

/** Every reserved source: left out of CrowdSec's access log. */
export const RESERVED_SOURCES: readonly string[] = [BENCH_SOURCE, WAF_PROBE_SOURCE, RATE_PROBE_SOURCE, BAN_PROBE_SOURCE];
