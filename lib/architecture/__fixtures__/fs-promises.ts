import { readFile, unlink } from "fs/promises";

export async function clean(path: string): Promise<string> {
  const text = await readFile(path, "utf8");
  await unlink(path);
  return text;
}
