"use client";

import { useState } from "react";

export function CopyCommand({ command }: { command: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="inline-flex items-center gap-2">
      <code className="rounded bg-slate-900 px-2 py-1 font-mono text-xs text-slate-100">{command}</code>
      <button
        type="button"
        onClick={async () => {
          await navigator.clipboard?.writeText(command).catch(() => undefined);
          setCopied(true);
          setTimeout(() => setCopied(false), 2_000);
        }}
        className="rounded border border-current px-2 py-0.5 text-xs"
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </span>
  );
}
