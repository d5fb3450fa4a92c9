#!/usr/bin/env node
// @ts-check
// Warden's HTTP server: Next.js's request handler behind a thin layer that decides, per request,
// what the app may believe (client address from the socket, forwarding headers only from
// WARDEN_TRUSTED_PROXIES) and sets the Content-Security-Policy with a fresh nonce (ADR 008).
//   node server.mjs [--dev] [-p|--port <port>] [-H|--hostname <host>]
// The quick start, `npm run start`, the e2e servers and the benchmarks all run through it.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import nextEnv from "@next/env";
import { join } from "node:path";
import { contentSecurityPolicy, newNonce, prerenderedScriptHashes } from "./lib/server/csp.mjs";
import { applyClientHeaders, parseTrustedProxies, refuseLegacyTrustProxy, resolveClient } from "./lib/server/request-trust.mjs";
import { parseEnv } from "./lib/env-schema.mjs";
import { sharedLogger } from "./lib/log-config.mjs";

const { values: args } = parseArgs({
  options: { dev: { type: "boolean", default: false }, port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
});
const dev = Boolean(args.dev);
const dir = process.cwd();
// .env files first, as `next start` would, so they configure this layer too.
nextEnv.loadEnvConfig(dir, dev);
// Before Next.js loads: it picks React's production or development build from NODE_ENV.
// eslint-disable-next-line no-restricted-properties -- NODE_ENV is Node's and Next.js's own variable, not Warden configuration
/** @type {Record<string, string | undefined>} */ (process.env).NODE_ENV ??= dev ? "development" : "production";
const { default: next } = await import("next");

const log = sharedLogger();

/**
 * This layer's settings, validated by the app's one schema (lib/env-schema.mjs: empty = unset, a bad
 * value fails naming the variable), all of it, before Next.js loads. `-p` overrides PORT.
 */
function settings() {
  // eslint-disable-next-line no-restricted-properties -- the environment handed to the check of a removed variable
  refuseLegacyTrustProxy(process.env);
  // eslint-disable-next-line no-restricted-properties -- the environment handed to the schema
  const env = parseEnv(args.port === undefined ? process.env : { ...process.env, PORT: args.port });
  const trusted = parseTrustedProxies(env.WARDEN_TRUSTED_PROXIES);
  const publicUrl = env.WARDEN_PUBLIC_URL ?? null;
  const publicHttps = publicUrl !== null && new URL(publicUrl).protocol === "https:";
  return { trusted, port: env.PORT, publicUrl, publicHttps, hostname: args.hostname };
}

let config;
try {
  config = settings();
} catch (error) {
  const message = /** @type {Error} */ (error).message;
  console.error(message.startsWith("Invalid environment: ") ? message : `Invalid environment: ${message}`);
  process.exit(1);
}
const { trusted, port, publicUrl, publicHttps, hostname } = config;

// The app builds links with its port (e.g. the first-run setup link), which may have come from -p.
// eslint-disable-next-line no-restricted-properties -- handing the app the port this server listens on
process.env.PORT = String(port);
// The app reads the client address from X-Forwarded-For only when this layer wrote it
// (lib/auth/client-info.ts); under a bare `next start` a client could write it itself.
// eslint-disable-next-line no-restricted-properties -- telling the app it runs behind this layer
process.env.WARDEN_HTTP_SERVER = "warden";

// Browsers keep HSTS only from https responses; behind a TLS proxy this pins the panel to https.
const HSTS = "max-age=31536000; includeSubDomains";

let warnedHttpsMismatch = false;
let lastMalformedWarning = 0;

/** @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res */
function prepare(req, res) {
  const client = resolveClient(req.socket.remoteAddress, req.headers, trusted);
  applyClientHeaders(req.headers, client);
  if (client.malformed && Date.now() - lastMalformedWarning > 60_000) {
    lastMalformedWarning = Date.now();
    log.warn(
      { event: "forwarded_for_malformed", source: "server.mjs", proxy: req.socket.remoteAddress, entry: client.malformed },
      "a trusted proxy sent an X-Forwarded-For entry that is not an address: the client is taken to be that proxy",
    );
  }
  if (client.proto === "https" && !publicHttps && !warnedHttpsMismatch) {
    warnedHttpsMismatch = true;
    log.warn(
      { event: "public_url_not_https", source: "server.mjs", publicUrl },
      "a trusted proxy reports https, but WARDEN_PUBLIC_URL is not an https:// URL: session cookies are not marked Secure and no HSTS is sent; set WARDEN_PUBLIC_URL=https://…",
    );
  }
  const policy = contentSecurityPolicy(newNonce(), { dev, hashes: scriptHashes });
  req.headers["content-security-policy"] = policy;
  res.setHeader("Content-Security-Policy", policy);
  if (publicHttps) res.setHeader("Strict-Transport-Security", HSTS);
}

const app = next({ dev, dir, hostname: hostname ?? "localhost", port });
// Read once: the build does not change under a running server.
const scriptHashes = dev ? [] : prerenderedScriptHashes(join(dir, ".next"));
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  try {
    prepare(req, res);
  } catch (error) {
    log.error({ event: "request_prepare_failed", source: "server.mjs", err: error }, "could not prepare a request");
    res.statusCode = 500;
    res.end("Internal error");
    return;
  }
  handle(req, res).catch((/** @type {unknown} */ error) => {
    log.error({ event: "request_failed", source: "server.mjs", err: error }, "Next.js failed to handle a request");
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});
if (dev) {
  const upgrade = app.getUpgradeHandler();
  server.on("upgrade", (req, socket, head) => void upgrade(req, socket, head));
}

server.on("error", (error) => {
  log.fatal({ event: "http_listen_failed", source: "server.mjs", port, err: error }, `cannot listen on port ${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, hostname, () => {
  log.info(
    { event: "http_listening", source: "server.mjs", port, hostname: hostname ?? "all interfaces", dev, trustedProxies: trusted.entries },
    `Warden listening on http://${hostname ?? "localhost"}:${port}${trusted.entries.length ? ` (trusting forwarding headers from ${trusted.entries.join(", ")})` : ""}`,
  );
});

for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
