"use client";

import { useState } from "react";
import type { RuntimeObservation } from "@/lib/engine/drivers";
import type { ProtectionIntent } from "@/lib/security/intent";
import { PROTECTION_LABELS, type Protection } from "@/lib/security/spec";
import { ActionFailure } from "../hooks/use-protection-mutation";
import { useToggleProtection } from "../hooks/use-toggle-protection";
import { useUpdateProtection } from "../hooks/use-update-protection";
import { clockTime } from "../ui/relative-time";
import { Switch } from "../ui/switch";
import { useToast } from "../ui/toast";
import { IntentRow } from "./intent-row";
import { RuntimeRow } from "./runtime-row";
import { SettingsForm } from "./settings-form";

interface CardError {
  message: string;
  /** The runtime's last log lines when it failed to start (RUNTIME_FAILED). */
  logTail?: string[];
}

function conflictMessage(label: string, failure: ActionFailure): string {
  const c = failure.error.conflict;
  if (!c) return failure.message;
  const when = c.changedAt ? ` at ${clockTime(c.changedAt)}` : "";
  return `${label} was changed by ${c.changedBy ?? "someone"}${when}; reloaded with the latest values. Review them and try again.`;
}

export function ProtectionCard({ protection, intent, runtime }: { protection: Protection; intent: ProtectionIntent; runtime: RuntimeObservation }) {
  const label = PROTECTION_LABELS[protection];
  const toast = useToast();
  const toggle = useToggleProtection();
  const update = useUpdateProtection();
  const [cardError, setCardError] = useState<CardError | null>(null);
  // The settings form is remounted (fresh from the stored values) after a save or a conflict reload,
  // never because a poll brought a new version: that would wipe an admin's unsaved edits.
  const [formEpoch, setFormEpoch] = useState(0);
  const [serverFieldErrors, setServerFieldErrors] = useState<Record<string, string>>({});
  const pending = toggle.isPending || update.isPending;
  const requested = toggle.isPending && toggle.variables ? toggle.variables.on : null;
  const titleId = `card-${protection}-title`;

  function onFailure(error: unknown, from: "toggle" | "update") {
    if (error instanceof ActionFailure) {
      const conflict = error.error.code === "CONFLICT";
      const message = conflict ? conflictMessage(label, error) : error.message;
      // The mutation re-read the status before this runs, so a remount shows the latest values. A
      // refused toggle leaves the admin's unsaved settings alone.
      if (conflict && from === "update") setFormEpoch((n) => n + 1);
      setCardError({ message, logTail: error.error.logTail });
      setServerFieldErrors(error.error.fields ?? {});
      toast(message, "error");
    } else {
      const message = `${label}: the request did not reach the server (${(error as Error).message}); nothing was changed.`;
      setCardError({ message });
      toast(message, "error");
    }
  }

  function onToggle(next: boolean) {
    setCardError(null);
    toggle.mutate(
      { protection, on: next, expectedVersion: intent.version },
      {
        // A managed runtime has been driven there when the action returns; otherwise only the intent changed.
        onSuccess: () =>
          toast(
            `${label} turned ${next ? "on" : "off"}${runtime.state === "unmanaged" ? " (intent saved)" : runtime.state === "rendered" ? " (file rendered; nothing loads it yet)" : ""}.`,
            "success",
          ),
        onError: (error) => onFailure(error, "toggle"),
      },
    );
  }

  /** `expectedVersion` is the version the form's edits were based on, not the latest polled one. */
  function onSave(changes: Record<string, unknown>, expectedVersion: number) {
    setCardError(null);
    setServerFieldErrors({});
    update.mutate(
      { protection, changes, expectedVersion },
      {
        onSuccess: () => {
          setFormEpoch((n) => n + 1);
          toast(`${label} settings saved.`, "success");
        },
        onError: (error) => onFailure(error, "update"),
      },
    );
  }

  return (
    <section
      aria-labelledby={titleId}
      data-testid={`card-${protection}`}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <header className="mb-3 flex items-center justify-between gap-3">
        <h2 id={titleId} className="text-lg font-semibold">
          {label}
        </h2>
        {/* While the toggle is in flight the switch shows the requested position; once it settles
            (the status was re-read first) it shows the stored intent, so a refused or rolled-back
            toggle springs back. */}
        <Switch checked={requested ?? intent.enabled} pending={toggle.isPending} disabled={pending} labelledBy={titleId} onChange={onToggle} />
      </header>
      {cardError && (
        <div
          role="alert"
          data-testid="card-error"
          className="mb-3 space-y-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          <p className="break-words">{cardError.message}</p>
          {cardError.logTail && cardError.logTail.length > 0 && (
            <pre
              data-testid="card-error-log"
              tabIndex={0}
              aria-label={`Last ${cardError.logTail.length} log lines`}
              className="max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-white/70 p-2 font-mono text-xs text-slate-800 dark:bg-slate-950 dark:text-slate-200"
            >
              {cardError.logTail.join("\n")}
            </pre>
          )}
        </div>
      )}
      <dl className="mb-4 space-y-3">
        <IntentRow protection={protection} intent={intent} />
        <RuntimeRow runtime={runtime} transition={requested === null ? null : requested ? "starting" : "stopping"} />
      </dl>
      <details className="group" open>
        <summary className="cursor-pointer text-sm font-medium text-slate-700 dark:text-slate-300">Settings</summary>
        <div className="mt-3">
          <SettingsForm key={formEpoch} protection={protection} intent={intent} pending={pending} serverErrors={serverFieldErrors} onSave={onSave} />
        </div>
      </details>
    </section>
  );
}
