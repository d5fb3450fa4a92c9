import type { z } from "zod";

/** Field → first message, for showing next to form fields. `changes.` prefixes are dropped. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.filter((p) => p !== "changes").join(".") || "_";
    fields[path] ??= issue.message;
  }
  return fields;
}
