export function reload(pid: number): boolean {
  const alive = process.kill(pid, 0); // a probe only: not reported
  if (alive) process.kill(pid, "SIGHUP");
  globalThis.process.kill(pid, "SIGTERM");
  return alive;
}
