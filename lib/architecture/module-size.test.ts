import { ESLint } from "eslint";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_LINES } from "../../eslint.config.mjs";

// ESLint's max-lines rule keeps source modules small (eslint.config.mjs, run by `npm run lint` in CI).
// These cases show the rule is live where it should be and silent where tests may be longer.

const ROOT = join(import.meta.dirname, "..", "..");
const source = (lines: number) => Array.from({ length: lines }, (_, i) => `export const v${i} = ${i};`).join("\n") + "\n";

async function maxLinesErrors(filePath: string, text: string): Promise<number> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(text, { filePath: join(ROOT, filePath) });
  return result!.messages.filter((m) => m.ruleId === "max-lines").length;
}

describe("module size", () => {
  it(`a source module over ${MAX_LINES} lines fails lint; one at the limit passes`, async () => {
    expect(await maxLinesErrors("lib/engine/too-long.ts", source(MAX_LINES + 1))).toBe(1);
    expect(await maxLinesErrors("lib/engine/at-limit.ts", source(MAX_LINES))).toBe(0);
  });

  it("tests may be longer (split by behaviour, not by size)", async () => {
    expect(await maxLinesErrors("lib/engine/long.test.ts", source(MAX_LINES * 2))).toBe(0);
  });
});
