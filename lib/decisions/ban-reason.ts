// Why an admin bans an address: required, one line of plain text. It is shown in the panel and in
// CrowdSec's own tools, so nothing in it may break a line or reorder what a reader sees.

export const MAX_BAN_REASON_LENGTH = 200;

// Control characters (\p{Cc}: C0, DEL, C1, tab and newline among them), the Unicode line and paragraph
// separators, and the bidirectional controls and marks that reorder text on screen (the "Trojan
// Source" characters: embeddings and overrides U+202A–202E, isolates U+2066–2069, and the marks
// U+200E, U+200F, U+061C).
const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;

export type BanReasonResult = { ok: true; reason: string } | { ok: false; message: string };

/** Parses a ban's reason: trimmed, 1–200 characters, no control characters. */
export function parseBanReason(raw: string): BanReasonResult {
  const reason = raw.trim();
  if (reason === "") return { ok: false, message: "Enter a reason for the ban" };
  // Characters as a reader counts them (code points), so an emoji is one, not two.
  if ([...reason].length > MAX_BAN_REASON_LENGTH) return { ok: false, message: `Reason must be at most ${MAX_BAN_REASON_LENGTH} characters` };
  if (FORBIDDEN.test(reason))
    return { ok: false, message: "Reason must be one line of plain text: no line breaks, tabs, control or text-direction characters" };
  return { ok: true, reason };
}
