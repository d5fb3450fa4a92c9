import { chmodSync, readFileSync } from "node:fs";

export { chmodSync, readFileSync };
export const write = process.kill;
