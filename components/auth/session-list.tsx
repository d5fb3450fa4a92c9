"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { revokeOtherSessionsAction, revokeSessionAction } from "@/lib/actions/auth/revoke-session";
import type { SessionView } from "@/lib/auth/account";
import { RelativeTime } from "../ui/relative-time";
import { plural } from "@/lib/plural";

/** "0000:0000:…:0001" → "::1" (the library stores IPv6 addresses expanded). */
function compactIp(ip: string | null): string {
  if (!ip || !ip.includes(":")) return ip ?? "unknown address";
  const groups = ip.split(":").map((g) => g.replace(/^0+(?=.)/, ""));
  const text = groups.join(":");
  const runs = [...text.matchAll(/(^|:)0(:0)+(:|$)/g)].sort((a, b) => b[0].length - a[0].length);
  return runs[0] ? text.replace(runs[0][0], "::") : text;
}

export function SessionList({ sessions }: { sessions: SessionView[] }) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);

  async function revoke(id: string | "others") {
    setPending(id);
    const result = id === "others" ? await revokeOtherSessionsAction() : await revokeSessionAction(id);
    setPending(null);
    if ("error" in result) return setMessage(result.error.message);
    if (sessions.find((s) => s.id === id)?.current) return router.replace("/login");
    setMessage(`${plural(result.data.revoked, "session")} ended.`);
    router.refresh();
  }

  return (
    <div className="space-y-2">
      <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
        {sessions.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-3 py-2" data-testid="session-row">
            <span className="font-medium">{s.current ? "This browser" : (s.userAgent ?? "Unknown client").slice(0, 60)}</span>
            <span className="text-slate-500">{compactIp(s.ipAddress)}</span>
            <span className="text-slate-500">
              signed in <RelativeTime iso={s.createdAt} />, active <RelativeTime iso={s.lastActiveAt} />
            </span>
            <button
              type="button"
              onClick={() => revoke(s.id)}
              disabled={pending !== null}
              className="ml-auto rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-800"
            >
              {s.current ? "Sign out here" : "Revoke"}
            </button>
          </li>
        ))}
      </ul>
      <div className="flex items-center gap-3">
        <button
          type="button"
          onClick={() => revoke("others")}
          disabled={pending !== null || sessions.length < 2}
          className="rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800"
        >
          Sign out all other sessions
        </button>
        {message && (
          <span role="status" className="text-sm">
            {message}
          </span>
        )}
      </div>
    </div>
  );
}
