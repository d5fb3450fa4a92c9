import { z } from "zod";
import { MalformedRequestError } from "../errors";

// The boundary check of actions that take no input (Apply to runtime, rewrite the mirror, sign out):
// nothing, an empty object or null; anything else is refused before anything is read or written.
const ZNoInput = z.union([z.undefined(), z.null(), z.object({}).strict()]);

export function parseNoInput(input: unknown, what: string): void {
  if (!ZNoInput.safeParse(input).success) throw new MalformedRequestError(`${what} takes no input.`);
}
