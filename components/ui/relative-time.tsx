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

/** "12 s ago", with the absolute time on hover; ticks every second without shifting layout. */
export function RelativeTime({ iso }: { iso: string }) {
  const now = useNow();
  const at = Date.parse(iso);
  const absolute = new Date(at).toLocaleString();
  return (
    <time dateTime={iso} title={absolute} className="tabular-nums">
      {now === null ? absolute : relative(at, now)}
    </time>
  );
}

export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
