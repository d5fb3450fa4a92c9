import fs from "fs";

export function drop(path: string): void {
  if (fs.existsSync(path)) fs.unlinkSync(path);
}
