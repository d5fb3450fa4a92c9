import ts from "typescript";

// The forbidden functions: spawn, execFile, process.kill, symlink, unlink, writeFile,
// rename, with their Sync and fs/promises forms and their siblings that change the runtime just as
// well. Left out, because they cannot change what a runtime already has: reads, stat, watch, mkdir and
// mkdtemp (a new empty directory), utimes, and fd-level write/writeSync (the fd needs a writing `open`,
// which is reported). `open`/`openSync`/promises `open` count unless their flags are a read-only
// literal ("r", "rs", "sr" or absent); `process.kill(pid, 0)` only probes that a process exists.

const CHILD_PROCESS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];
const FILE_CHANGES = [
  "writeFile",
  "appendFile",
  "symlink",
  "link",
  "unlink",
  "rename",
  "rm",
  "rmdir",
  "copyFile",
  "cp",
  "truncate",
  "chmod",
  "lchmod",
  "chown",
  "lchown",
];
const OPEN = ["open", "openSync"];

export const FORBIDDEN: Readonly<Record<Builtin, readonly string[]>> = {
  child_process: CHILD_PROCESS,
  fs: [
    ...FILE_CHANGES.flatMap((f) => [f, `${f}Sync`]),
    "ftruncate",
    "ftruncateSync",
    "fchmod",
    "fchmodSync",
    "fchown",
    "fchownSync",
    "createWriteStream",
    ...OPEN,
  ],
  "fs/promises": [...FILE_CHANGES, "open"],
  process: ["kill"],
  global: [],
};

export type Builtin = "child_process" | "fs" | "fs/promises" | "process" | "global";
export const BUILTINS = new Set<string>(["child_process", "fs", "fs/promises", "process"]);
const READ_ONLY_FLAGS = new Set(["r", "rs", "sr"]);

/** A call that cannot change anything: `process.kill(pid, 0)` (a probe), `open` with read-only flags. */
export function isHarmlessCall(node: ts.Node, call: string): boolean {
  let callee = node;
  while (ts.isParenthesizedExpression(callee.parent)) callee = callee.parent;
  const parent = callee.parent;
  if (!ts.isCallExpression(parent) || parent.expression !== callee) return false;
  if (call === "process.kill") {
    const signal = parent.arguments[1];
    return signal !== undefined && ts.isNumericLiteral(signal) && signal.text === "0";
  }
  if (call === "fs.open" || call === "fs.openSync" || call === "fs/promises.open") {
    const flags = parent.arguments[1];
    if (flags === undefined || ts.isArrowFunction(flags) || ts.isFunctionExpression(flags)) return true; // open(path, callback)
    return (ts.isStringLiteralLike(flags) && READ_ONLY_FLAGS.has(flags.text)) || (ts.isNumericLiteral(flags) && flags.text === "0");
  }
  return false;
}
