// A local helper module that launders fs: the re-export itself is reported, and so is each call site.
export { writeFileSync as save } from "node:fs";
export * as cp from "node:child_process";
