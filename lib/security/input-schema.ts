import { z } from "zod";
import { PROTECTIONS, type Protection, type SettingsByProtection } from "./spec/protections";
import { ZChangesShape } from "./spec/schemas";

// The requests the write path accepts: a toggle, or a settings change whose `changes` must pass the
// shape layer of spec/schemas.ts (a malformed request is refused without an audit row, ADR 002).

/** Larger requests are refused before parsing: no legitimate change comes near it. */
export const MAX_REQUEST_BYTES = 8 * 1024;

const ZProtection = z.enum(PROTECTIONS, { error: () => `Unknown protection; expected one of ${PROTECTIONS.join(", ")}` });
const ZExpectedVersion = z
  .number({ error: "expectedVersion must be a number" })
  .int("expectedVersion must be a whole number")
  .min(0, "expectedVersion must not be negative")
  .max(2_147_483_647, "expectedVersion is too large");

export type SettingsChanges<P extends Protection = Protection> = Partial<SettingsByProtection[P]>;

export const ZToggleInput = z
  .object({ protection: ZProtection, on: z.boolean({ error: "on must be true or false" }), expectedVersion: ZExpectedVersion })
  .strict();
export type ToggleInput = z.infer<typeof ZToggleInput>;

export const ZUpdateInput = z
  .object({ protection: ZProtection, changes: z.record(z.string(), z.unknown()), expectedVersion: ZExpectedVersion })
  .strict()
  .superRefine((input, ctx) => {
    const result = ZChangesShape[input.protection].safeParse(input.changes);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: ["changes", ...issue.path] } as never);
    } else if (Object.keys(result.data).length === 0) {
      ctx.addIssue({ code: "custom", path: ["changes"], message: "Nothing to change: name at least one setting" });
    }
  });
export type UpdateInput = { protection: Protection; changes: SettingsChanges; expectedVersion: number };
