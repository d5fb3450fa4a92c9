import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contentSecurityPolicy, newNonce, prerenderedScriptHashes } from "./csp.mjs";

const dist = mkdtempSync(join(tmpdir(), "warden-csp-"));
afterAll(() => rmSync(dist, { recursive: true, force: true }));
const sha = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

describe("contentSecurityPolicy", () => {
  it("scripts: self and this response's nonce only; never unsafe-inline, unsafe-eval or strict-dynamic in production", () => {
    const nonce = newNonce();
    const scriptSrc = /script-src ([^;]*)/.exec(contentSecurityPolicy(nonce))![1];
    expect(scriptSrc).toBe(`'self' 'nonce-${nonce}'`);
    expect(contentSecurityPolicy(nonce)).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy(nonce, { dev: true })).toContain("'unsafe-eval'");
  });

  it("a fresh 128-bit nonce each time", () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(Buffer.from(nonce, "base64")).toHaveLength(16);
  });
});

describe("prerenderedScriptHashes", () => {
  it("hashes exactly the inline scripts of the prerendered pages (not external ones), once each", () => {
    mkdirSync(join(dist, "server", "app"), { recursive: true });
    mkdirSync(join(dist, "server", "pages"), { recursive: true });
    const page = '<html><script src="/_next/a.js" async=""></script><script id="_R_">boot()</script><script>self.__next_f.push([1])</script></html>';
    writeFileSync(join(dist, "server", "app", "_global-error.html"), page);
    writeFileSync(join(dist, "server", "pages", "500.html"), page);
    writeFileSync(join(dist, "server", "app", "page.js"), "<script>not html</script>");
    expect(prerenderedScriptHashes(dist)).toEqual([sha("boot()"), sha("self.__next_f.push([1])")].sort());
  });

  it("no build (development): none", () => {
    expect(prerenderedScriptHashes(join(dist, "missing"))).toEqual([]);
  });
});
