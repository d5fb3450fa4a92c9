// @ts-check
// The Content-Security-Policy of every response, with a fresh nonce per request. Next.js reads the
// nonce from the *request's* CSP header and puts it on its own inline and chunk scripts, so an inline
// script runs only when this response's policy names it: injected markup (a <script>, an onerror=
// handler) or a script element built by injected code has no nonce and is blocked. The chunks Next
// loads at runtime are same-origin files ('self'). No 'strict-dynamic': it would let any script element
// created through the DOM run, and Warden loads no third-party script that would need it. Styles keep
// 'unsafe-inline' (React and Tailwind set style attributes; a style cannot run code). See ADR 008.
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** 128 random bits, base64: unguessable and unique per response. */
export function newNonce() {
  return randomBytes(16).toString("base64");
}

/**
 * Hashes of the inline scripts in the pages Next.js prerendered at build time (its error page, also
 * served as the 500 page when a render fails): built before any request, they carry no nonce, so the
 * policy names their exact scripts instead. Nothing else can match these hashes.
 * @param {string} distDir the build directory (.next)
 * @returns {string[]} CSP sources, `'sha256-…'`
 */
export function prerenderedScriptHashes(distDir) {
  /** @param {string} dir @returns {string[]} */
  const htmlFiles = (dir) => {
    /** @type {import("node:fs").Dirent[]} */
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.flatMap((e) => (e.isDirectory() ? htmlFiles(join(dir, e.name)) : e.name.endsWith(".html") ? [join(dir, e.name)] : []));
  };
  const hashes = new Set();
  for (const file of htmlFiles(join(distDir, "server"))) {
    const html = readFileSync(file, "utf8");
    for (const match of html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
      hashes.add(
        `'sha256-${createHash("sha256")
          .update(match[1] ?? "", "utf8")
          .digest("base64")}'`,
      );
    }
  }
  return [...hashes].sort();
}

/**
 * @param {string} nonce
 * @param {{ dev?: boolean; hashes?: string[] }} [options] development needs 'unsafe-eval' (React's dev
 *   tooling); `hashes`: the prerendered pages' inline scripts
 */
export function contentSecurityPolicy(nonce, { dev = false, hashes = [] } = {}) {
  return [
    "default-src 'self'",
    ["script-src 'self'", `'nonce-${nonce}'`, ...hashes, ...(dev ? ["'unsafe-eval'"] : [])].join(" "),
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
