"use client";

import { useNow } from "../hooks/use-now";

function relative(from: number, now: number): string {
  const s = Math.max(0, Math.round((now - from) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/**
 * Before hydration (on the server, and in the browser's first render) a time is written in UTC:
 * the server's time zone and locale need not be the browser's, and text that differs between the
 * two is a hydration mismatch. Once the page clock runs, times are local.
 */
function utc(iso: string, withDate: boolean): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const text = d.toISOString();
  return `${withDate ? `${text.slice(0, 10)} ` : ""}${text.slice(11, 19)} UTC`;
}

/** "12 s ago", with the absolute time on hover; ticks every second without shifting layout. */
export function RelativeTime({ iso }: { iso: string }) {
  const now = useNow();
  const at = Date.parse(iso);
  const absolute = now === null ? utc(iso, true) : new Date(at).toLocaleString();
  return (
    <time dateTime={iso} title={absolute} className="tabular-nums">
      {now === null ? absolute : relative(at, now)}
    </time>
  );
}

export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
