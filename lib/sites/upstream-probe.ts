import "server-only";
import net from "node:net";
import tls from "node:tls";
import { parseUpstream, type Upstream } from "./grammar";

// One probe of a site's upstream, as the edge would reach it: a TCP connect to the configured host and
// port, and for https a TLS handshake with the upstream's name (SNI) and, when the site verifies TLS,
// its certificate checked against that name. Nothing is sent after the handshake: the probe asks "could
// the edge open a connection?", not "is the application well?". The latency is the time to that point.

export interface ProbeTarget {
  /** The site's upstream as stored: `http(s)://host:port`. */
  upstream: string;
  /** https only: refuse a certificate that is not trusted for the upstream's name (the site's setting). */
  tlsVerify: boolean;
}

export type ProbeOutcome = { ok: true; latencyMs: number } | { ok: false; error: string };

/** Error codes of the socket and the TLS layer, as an admin reads them. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the upstream",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EADDRNOTAVAIL: "address not available on this machine",
  ETIMEDOUT: "connection timed out",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed (DNS did not answer)",
  EPIPE: "connection closed by the upstream",
  DEPTH_ZERO_SELF_SIGNED_CERT: "certificate not trusted: it is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "certificate not trusted: its chain ends in a self-signed certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate not trusted: its issuer is unknown",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "certificate not trusted: its issuer is unknown",
  UNABLE_TO_GET_ISSUER_CERT: "certificate not trusted: its issuer is unknown",
  CERT_HAS_EXPIRED: "certificate expired",
  CERT_NOT_YET_VALID: "certificate not yet valid",
  CERT_REVOKED: "certificate revoked",
};

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A socket or TLS error as one short phrase. */
export function describeProbeError(error: NodeJS.ErrnoException & { reason?: string }, upstream: Upstream): string {
  if (error.code === "ERR_TLS_CERT_ALTNAME_INVALID") return `certificate does not name ${upstream.host}`;
  const known = error.code ? REASONS[error.code] : undefined;
  if (known) return known;
  // OpenSSL's own errors (a plain-http server answering a handshake: "wrong version number").
  if (error.code === "EPROTO" || error.code?.startsWith("ERR_SSL_") || error.reason) {
    return `TLS handshake failed: ${error.reason ?? error.message}`;
  }
  return error.message;
}

/** Connects to the upstream (and completes a TLS handshake for https) within timeoutMs; never rejects. */
export function probeUpstream(target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  let upstream: Upstream;
  try {
    upstream = parseUpstream(target.upstream);
  } catch (error) {
    return Promise.resolve({ ok: false, error: (error as Error).message });
  }
  const host = upstream.host.replace(/^\[(.*)\]$/, "$1");
  const https = upstream.scheme === "https";
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const socket = https
      ? tls.connect({
          host,
          port: upstream.port,
          // SNI carries a name, never an address (nginx sends none for an address either); the
          // certificate is then checked against `host`, the address itself.
          ...(net.isIP(host) ? {} : { servername: host }),
          rejectUnauthorized: target.tlsVerify,
        })
      : net.connect({ host, port: upstream.port });
    // A probe never keeps the process alive (a CLI run or a test that is done).
    socket.unref();
    const timer = setTimeout(() => finish({ ok: false, error: `no answer within ${seconds(timeoutMs)}` }), timeoutMs);
    timer.unref();
    function finish(outcome: ProbeOutcome): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome.ok) {
        // A polite close (FIN, and TLS's close_notify): the upstream sees a connection opened and closed.
        socket.end();
        socket.setTimeout(timeoutMs, () => socket.destroy());
      } else socket.destroy();
      resolve(outcome);
    }
    socket.once(https ? "secureConnect" : "connect", () => {
      finish({ ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 });
    });
    // Kept after the outcome: a late error of the closing socket must not be an uncaught one.
    socket.on("error", (error) => finish({ ok: false, error: describeProbeError(error, upstream) }));
  });
}
