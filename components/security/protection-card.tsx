"use client";

import { useState } from "react";
import type { RuntimeObservation } from "@/lib/engine/types";
import type { ProtectionIntent } from "@/lib/security/intent";
import { PROTECTION_LABELS, type Protection } from "@/lib/security/protections";
import { ActionFailure } from "../hooks/use-protection-mutation";
import { useToggleProtection } from "../hooks/use-toggle-protection";
import { useUpdateProtection } from "../hooks/use-update-protection";
import { clockTime } from "../ui/relative-time";
import { Switch } from "../ui/switch";
import { useToast } from "../ui/toast";
import { IntentRow } from "./intent-row";
import { RuntimeRow } from "./runtime-row";
import { SettingsForm } from "./settings-form";

function conflictMessage(label: string, failure: ActionFailure): string {
  const c = failure.error.conflict;
  if (!c) return failure.message;
  const when = c.changedAt ? ` at ${clockTime(c.changedAt)}` : "";
  return `${label} was changed by ${c.changedBy ?? "someone"}${when}; reloaded with the latest values. Review them and try again.`;
}

export function ProtectionCard({
  protection,
  intent,
  runtime,
}: {
  protection: Protection;
  intent: ProtectionIntent;
  runtime: RuntimeObservation;
}) {
  const label = PROTECTION_LABELS[protection];
  const toast = useToast();
  const toggle = useToggleProtection();
  const update = useUpdateProtection();
  const [cardError, setCardError] = useState<string | null>(null);
  const [serverFieldErrors, setServerFieldErrors] = useState<Record<string, string>>({});
  const pending = toggle.isPending || update.isPending;
  const titleId = `card-${protection}-title`;

  function onFailure(error: unknown) {
    if (error instanceof ActionFailure) {
      const message = error.error.code === "CONFLICT" ? conflictMessage(label, error) : error.message;
      setCardError(message);
      setServerFieldErrors(error.error.fields ?? {});
      toast(message, "error");
    } else {
      const message = `${label}: the request did not reach the server (${(error as Error).message}); nothing was changed.`;
      setCardError(message);
      toast(message, "error");
    }
  }

  function onToggle(next: boolean) {
    setCardError(null);
    toggle.mutate(
      { protection, on: next, expectedVersion: intent.version },
      { onSuccess: () => toast(`${label} turned ${next ? "on" : "off"} (intent saved).`, "success"), onError: onFailure },
    );
  }

  function onSave(changes: Record<string, unknown>) {
    setCardError(null);
    setServerFieldErrors({});
    update.mutate(
      { protection, changes, expectedVersion: intent.version },
      { onSuccess: () => toast(`${label} settings saved.`, "success"), onError: onFailure },
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
        <Switch checked={toggle.isPending ? Boolean(toggle.variables?.on) : intent.enabled} pending={toggle.isPending} disabled={pending} labelledBy={titleId} onChange={onToggle} />
      </header>
      {cardError && (
        <p role="alert" data-testid="card-error" className="mb-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          {cardError}
        </p>
      )}
      <dl className="mb-4 space-y-3">
        <IntentRow intent={intent} />
        <RuntimeRow runtime={runtime} />
      </dl>
      <details className="group" open>
        <summary className="cursor-pointer text-sm font-medium text-slate-700 dark:text-slate-300">Settings</summary>
        <div className="mt-3">
          <SettingsForm key={intent.version} protection={protection} intent={intent} pending={pending} serverErrors={serverFieldErrors} onSave={onSave} />
        </div>
      </details>
    </section>
  );
}
