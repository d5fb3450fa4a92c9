// @ts-check
// The Content-Security-Policy of every response, with a fresh nonce per request. Next.js reads the
// nonce from the *request's* CSP header and puts it on its own inline and chunk scripts, so a script
// runs only when this response's policy names it: an injected inline script has no nonce and is
// blocked. 'strict-dynamic' lets the scripts Next loads at runtime inherit that trust. Styles keep
// 'unsafe-inline' (React and Tailwind set style attributes; a style cannot run code). See ADR 008.
import { randomBytes } from "node:crypto";

/** 128 random bits, base64: unguessable and unique per response. */
export function newNonce() {
  return randomBytes(16).toString("base64");
}

/**
 * @param {string} nonce
 * @param {{ dev?: boolean }} [options] development needs 'unsafe-eval' (React's dev tooling)
 */
export function contentSecurityPolicy(nonce, { dev = false } = {}) {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
