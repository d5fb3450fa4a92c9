import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withDeadline } from "./wait";

// Spawns test/support/intent-writer.ts in its own Node process (tsx loader) and follows its
// line protocol. Used by test/concurrency.test.ts and test/crash.test.ts.

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./intent-writer.ts", import.meta.url));

export interface WriterEvent {
  writer: "ready" | "committing" | "committed" | "done";
  version?: number;
  protection?: string;
  attempts?: number;
  ms?: number;
  at?: number;
  committed?: number;
  conflicts?: number;
}

export interface WriterOptions {
  url: string;
  changes: number | null;
  worker: string;
  waitForGo?: boolean;
  protection?: string;
}

export interface WriterProcess {
  child: ChildProcess;
  events: WriterEvent[];
  /** Resolves at the first event of this kind (already seen or future); rejects if the process exits first. */
  waitFor(kind: WriterEvent["writer"], timeoutMs?: number): Promise<WriterEvent>;
  go(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function spawnWriter(options: WriterOptions): WriterProcess {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", SCRIPT, JSON.stringify(options)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, WARDEN_LOG_LEVEL: "warn" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const events: WriterEvent[] = [];
  const waiters: { kind: string; resolve: (e: WriterEvent) => void }[] = [];
  let stdoutRest = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (stdoutRest + chunk).split("\n");
    stdoutRest = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{"writer"')) continue;
      const event = JSON.parse(line) as WriterEvent;
      events.push(event);
      for (const w of waiters.filter((w) => w.kind === event.writer)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin!.on("error", () => undefined); // EPIPE after a kill
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    events,
    exited,
    stderr: () => stderr,
    go: () => child.stdin!.write("go\n"),
    waitFor(kind, timeoutMs = 30_000) {
      const seen = events.find((e) => e.writer === kind);
      if (seen) return Promise.resolve(seen);
      const arrived = new Promise<WriterEvent>((resolve, reject) => {
        waiters.push({ kind, resolve });
        void exited.then(({ code, signal }) =>
          reject(new Error(`writer ${options.worker} exited (code ${code}, signal ${signal}) before "${kind}"; stderr: ${stderr}`)),
        );
      });
      return withDeadline(arrived, timeoutMs, () => {
        throw new Error(`writer ${options.worker}: no "${kind}" within ${timeoutMs} ms; stderr: ${stderr}`);
      });
    },
  };
}
