// How long a ban lasts, as an admin types it (30m, 4h, 1h30m, 7d, 1d12h) and as CrowdSec's Local API
// takes it: a Go duration, which has no day unit, so 7d is sent as 168h.

export const MIN_BAN_SECONDS = 60;
export const MAX_BAN_SECONDS = 365 * 24 * 3600;

export const BAN_DURATION_HINT = "a number and a unit, e.g. 30m, 4h, 7d";

const UNIT_SECONDS = { d: 86_400, h: 3600, m: 60, s: 1 } as const;
type Unit = keyof typeof UNIT_SECONDS;

// Whole numbers with s/m/h/d, each unit at most once, largest first (as Go prints them). The number's
// length is bounded so that the sum stays exact; the range check refuses anything past a year anyway.
const DURATION = /^(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?$/;
const FRACTION = /^[\d.]+[dhms]/;

export type BanDurationResult = { ok: true; seconds: number; lapi: string } | { ok: false; message: string };

/** Parses a ban's duration: between 1 minute and 365 days; surrounding whitespace is ignored. */
export function parseBanDuration(raw: string): BanDurationResult {
  const text = raw.trim();
  if (text === "") return { ok: false, message: `Enter a duration: ${BAN_DURATION_HINT}` };
  const match = text.length <= 40 ? DURATION.exec(text) : null;
  if (!match) {
    const shown = /^[\x21-\x7e]{1,40}$/.test(text) ? text : JSON.stringify(text.slice(0, 40));
    const why = FRACTION.test(text) && text.includes(".") ? "use whole numbers, e.g. 1h30m" : `use ${BAN_DURATION_HINT}`;
    return { ok: false, message: `${shown} is not a duration: ${why}` };
  }
  const units: Unit[] = ["d", "h", "m", "s"];
  const seconds = units.reduce((sum, unit, i) => sum + Number(match[i + 1] ?? 0) * UNIT_SECONDS[unit], 0);
  if (seconds < MIN_BAN_SECONDS || seconds > MAX_BAN_SECONDS) return { ok: false, message: "Duration must be between 1 minute and 365 days" };
  return { ok: true, seconds, lapi: goDuration(seconds) };
}

/** Seconds as a Go duration in hours, minutes and seconds (Go's time.ParseDuration has no days). */
export function goDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const text = `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
  return text || "0s";
}

/** Time left for the UI: the two largest units, the second left out when zero ("2d 4h", "3h", "45s"). */
export function formatTimeLeft(seconds: number): string {
  const whole = Number.isFinite(seconds) ? Math.max(0, Math.floor(seconds)) : 0;
  const parts: [number, string][] = [
    [Math.floor(whole / 86_400), "d"],
    [Math.floor((whole % 86_400) / 3600), "h"],
    [Math.floor((whole % 3600) / 60), "m"],
    [whole % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return "0s";
  const [[n1, u1], second] = [parts[first]!, parts[first + 1]];
  return second && second[0] > 0 ? `${n1}${u1} ${second[0]}${second[1]}` : `${n1}${u1}`;
}
