// Reads only: nothing here may be reported.
import { closeSync, existsSync, openSync, readFileSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as fs from "node:fs";

type Conn = { exec(sql: string): Promise<void> };

function writeFile(path: string): string {
  return `would write ${path}`; // a local function that happens to share a name
}

export async function inspect(path: string, conn: Conn, pid: number): Promise<string[]> {
  await conn.exec("SELECT 1");
  const out: string[] = [writeFile(path)];
  if (existsSync(path) && statSync(path).isFile()) out.push(readFileSync(path, "utf8"));
  out.push(...readdirSync("."), await readFile(path, "utf8"));
  closeSync(openSync(path, "r"));
  fs.watch(path).close();
  fs.mkdirSync(`${path}.d`, { recursive: true });
  if (process.kill(pid, 0)) out.push(String(process.pid));
  return out;
}
