import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { MalformedRequestError } from "./errors";
import { PayloadTooLargeError, readBoundedText, readJsonBody } from "./request-body";

// Route handlers read bodies through one bounded reader: it stops at the limit instead of buffering a
// body of any size (a 200 MB chunked sign-in once grew the server by ~600 MB).

const MiB = 1024 * 1024;

/** A chunked request body of `totalMiB` produced on demand; counts the chunks the reader pulled. */
function chunkedRequest(totalMiB: number, headers: Record<string, string> = {}) {
  let pulled = 0;
  // highWaterMark 0: a chunk is produced only when the reader asks for one.
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled === totalMiB) return controller.close();
        pulled++;
        controller.enqueue(new Uint8Array(MiB).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  );
  const request = new Request("http://panel.test/api/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);
  return { request, pulled: () => pulled };
}

describe("readBoundedText", () => {
  it("stops reading a chunked body as soon as it crosses the limit", async () => {
    const { request, pulled } = chunkedRequest(200);
    await expect(readBoundedText(request, 16 * 1024)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(pulled()).toBeLessThanOrEqual(3);
  });

  it("refuses a declared Content-Length over the limit without reading", async () => {
    const { request, pulled } = chunkedRequest(1, { "content-length": String(MiB) });
    await expect(readBoundedText(request, 16 * 1024)).rejects.toThrow("The request body is too large (at most 16384 bytes).");
    expect(pulled()).toBe(0);
  });

  it("reads a body within the limit whole, multi-byte characters included", async () => {
    const request = new Request("http://panel.test/api/x", { method: "POST", body: JSON.stringify({ name: "Zoë ✓" }) });
    expect(await readJsonBody(request, 1024, "{…}")).toEqual({ name: "Zoë ✓" });
  });

  it("a body that is not JSON is a MALFORMED error naming the expected shape", async () => {
    const request = new Request("http://panel.test/api/x", { method: "POST", body: "username=admin" });
    const error = await readJsonBody(request, 1024, '{"username": …}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect((error as Error).message).toBe('Send JSON: {"username": …}.');
  });
});

describe("route handlers", () => {
  it("read request bodies only through lib/request-body", () => {
    const root = join(import.meta.dirname, "..", "app");
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? walk(join(dir, e)) : e === "route.ts" ? [join(dir, e)] : []));
    })(root);
    expect(files.length).toBeGreaterThan(5);
    const direct = files.filter((f) => /\b(request|req)\.(json|text|formData|arrayBuffer|blob|body)\b/.test(readFileSync(f, "utf8")));
    expect(direct.map((f) => relative(root, f))).toEqual([]);
  });
});
