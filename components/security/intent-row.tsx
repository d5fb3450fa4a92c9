import type { ProtectionIntent } from "@/lib/security/intent";
import { Badge } from "../ui/badge";
import { RelativeTime } from "../ui/relative-time";
import { fieldLabel, fieldValue, type Protection } from "@/lib/security/spec";

function describe(protection: Protection, settings: Record<string, unknown>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${fieldLabel(protection, k)}: ${fieldValue(v)}`)
    .join(" · ");
}

/** What the panel stores: value, version, who and when. Not a statement about the runtime. */
export function IntentRow({ protection, intent }: { protection: Protection; intent: ProtectionIntent }) {
  return (
    <div className="grid grid-cols-[5.5rem_1fr] gap-2 text-sm" data-testid="intent-row">
      <dt className="font-medium text-slate-500 dark:text-slate-400">Intent</dt>
      <dd className="space-y-1">
        <div className="flex flex-wrap items-center gap-2">
          <Badge tone={intent.enabled ? "green" : "grey"}>{intent.enabled ? "On" : "Off"}</Badge>
          <span className="text-xs text-slate-500 dark:text-slate-400" data-testid="intent-version">
            version {intent.version}
            {intent.changedBy && (
              <>
                {" "}
                · changed by {intent.changedBy}
                {intent.changedAt && (
                  <>
                    {" "}
                    <RelativeTime iso={intent.changedAt} />
                  </>
                )}
              </>
            )}
          </span>
        </div>
        <p className="break-words text-slate-700 dark:text-slate-300" data-testid="intent-settings">
          {describe(protection, intent.settings as unknown as Record<string, unknown>)}
        </p>
      </dd>
    </div>
  );
}
