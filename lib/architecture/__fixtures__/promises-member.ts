import { promises as fsp } from "node:fs";
import * as fs from "node:fs";

export async function move(from: string, to: string): Promise<void> {
  await fsp.rename(from, to);
  const { writeFile } = fs.promises;
  await writeFile(to, "x");
}
