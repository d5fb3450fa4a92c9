import { z } from "zod";
import { parseBanDuration } from "./ban-duration";
import { parseBanReason } from "./ban-reason";
import { parseBanValue } from "./ban-value";
import type { IpFamily } from "./ip-address";

// The ban and unban requests, checked the same way by the form (instant messages) and the server
// action (the authority). Browser-safe, so it returns field messages rather than throwing the
// server's ValidationError (lib/errors is not a browser-safe module): the action turns a refusal into
// `new ValidationError(result.message, result.fields)`.

export type BanRequest = {
  value: string;
  scope: "Ip" | "Range";
  family: IpFamily;
  prefix: number;
  seconds: number;
  /** The duration as CrowdSec's Local API takes it (a Go duration: hours, minutes, seconds). */
  lapiDuration: string;
  reason: string;
  confirmSelfBlock: boolean;
};

/** `fields` maps each refused field to its message ("_" for the request as a whole); `message` is the first. */
export type InputRefusal = { ok: false; message: string; fields: Record<string, string> };

// Bounds before the parsers run: no legitimate value comes near them, and they keep a hostile request cheap.
const ZBanShape = z
  .object(
    {
      value: z.string({ error: "value must be text" }).max(200, "value is too long"),
      duration: z.string({ error: "duration must be text" }).max(200, "duration is too long"),
      reason: z.string({ error: "reason must be text" }).max(2000, "reason is too long"),
      confirmSelfBlock: z.boolean({ error: "confirmSelfBlock must be true or false" }).optional(),
    },
    { error: "A ban request must be an object with value, duration and reason" },
  )
  .strict();

/** The most unban ids one request takes (a page of the decisions list selected at once). */
export const MAX_UNBAN_IDS = 500;

const ZUnbanShape = z
  .object(
    {
      ids: z
        .array(
          z
            .number({ error: "Each decision id must be a number" })
            .int("Each decision id must be a whole number")
            .positive("Each decision id must be positive")
            .max(Number.MAX_SAFE_INTEGER, "A decision id is too large"),
          { error: "ids must be a list of decision ids" },
        )
        .min(1, "Select at least one ban to remove")
        .max(MAX_UNBAN_IDS, `Remove at most ${MAX_UNBAN_IDS} bans at once`)
        .refine((ids) => new Set(ids).size === ids.length, "Each decision id may appear only once"),
    },
    { error: "An unban request must be an object with ids" },
  )
  .strict();

function refusal(fields: Record<string, string>): InputRefusal {
  return { ok: false, message: Object.values(fields)[0] ?? "The request is malformed", fields };
}

function shapeRefusal(error: z.ZodError): InputRefusal {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    // Only the field's name: an id's index ("ids.3") would key a message no form field shows.
    const field = issue.code === "unrecognized_keys" || issue.path.length === 0 ? "_" : String(issue.path[0]);
    fields[field] ??= issue.code === "unrecognized_keys" ? `Unknown field: ${issue.keys.join(", ")}` : issue.message;
  }
  return refusal(fields);
}

/** A ban request { value, duration, reason, confirmSelfBlock? } → the ban to make, or every field's message. */
export function parseBanInput(input: unknown): { ok: true; ban: BanRequest } | InputRefusal {
  const shape = ZBanShape.safeParse(input);
  if (!shape.success) return shapeRefusal(shape.error);
  const value = parseBanValue(shape.data.value);
  const duration = parseBanDuration(shape.data.duration);
  const reason = parseBanReason(shape.data.reason);
  if (!value.ok || !duration.ok || !reason.ok) {
    const fields: Record<string, string> = {};
    if (!value.ok) fields.value = value.message;
    if (!duration.ok) fields.duration = duration.message;
    if (!reason.ok) fields.reason = reason.message;
    return refusal(fields);
  }
  return {
    ok: true,
    ban: {
      value: value.value,
      scope: value.scope,
      family: value.family,
      prefix: value.prefix,
      seconds: duration.seconds,
      lapiDuration: duration.lapi,
      reason: reason.reason,
      confirmSelfBlock: shape.data.confirmSelfBlock ?? false,
    },
  };
}

/** An unban request { ids } (LAPI decision ids, 1–500, unique) → the ids, or the message. */
export function parseUnbanInput(input: unknown): { ok: true; ids: number[] } | InputRefusal {
  const shape = ZUnbanShape.safeParse(input);
  return shape.success ? { ok: true, ids: shape.data.ids } : shapeRefusal(shape.error);
}
