"use client";

import { useState } from "react";
import { useBanDecision } from "../hooks/use-decisions";
import { ActionFailure } from "../hooks/use-protection-mutation";
import { useToast } from "../ui/toast";

// Ban an address or range for a duration, with a reason. The server checks everything (grammar,
// bounds, the self-block guard); its refusals show beside the field they concern, and a self-block
// refusal beside the form with the explicit "Ban anyway" confirmation.

const DEFAULT_DURATION = "4h";
const FIELDS = ["value", "duration", "reason"] as const;

const fieldClass = (error?: string) =>
  `mt-1 block w-full rounded-md border bg-white px-2 py-1.5 text-sm disabled:opacity-60 dark:bg-slate-900 ${error ? "border-red-500" : "border-slate-300 dark:border-slate-700"}`;

function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p id={id} role="alert" className="mt-0.5 text-sm text-red-700 dark:text-red-400">
      {error}
    </p>
  );
}

type Outcome = { kind: "none" } | { kind: "selfBlock"; message: string } | { kind: "error"; message: string } | { kind: "done"; message: string };

export function BanForm({ disabledReason }: { disabledReason: string | null }) {
  const [value, setValue] = useState("");
  const [duration, setDuration] = useState(DEFAULT_DURATION);
  const [reason, setReason] = useState("");
  const [confirmSelfBlock, setConfirmSelfBlock] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<Outcome>({ kind: "none" });
  // Folded by default, so that the search box is the page's first field.
  const [open, setOpen] = useState(false);
  const ban = useBanDecision();
  const toast = useToast();
  const disabled = disabledReason !== null;

  function edit(name: string, set: (v: string) => void, next: string) {
    set(next);
    setFields(({ [name]: _dropped, ...rest }) => rest);
    // A confirmation was for the value it named.
    if (name === "value") {
      setConfirmSelfBlock(false);
      if (outcome.kind === "selfBlock") setOutcome({ kind: "none" });
    }
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const selfBlockConfirmed = outcome.kind === "selfBlock" && confirmSelfBlock;
    ban.mutate(
      { value: value.trim(), duration: duration.trim(), reason: reason.trim(), ...(selfBlockConfirmed ? { confirmSelfBlock: true } : {}) },
      {
        onSuccess: (data) => {
          const enforced = data.enforcedMs === null ? "" : `; enforced at the edge in ${data.enforcedMs} ms`;
          const message = `Banned ${data.value} until ${new Date(data.until).toLocaleString()}${enforced}.`;
          setOutcome({ kind: "done", message });
          setFields({});
          setConfirmSelfBlock(false);
          setValue("");
          setReason("");
          toast(message, "success");
        },
        onError: (error) => {
          const failure = error instanceof ActionFailure ? error.error : null;
          setFields(failure?.fields ?? {});
          if (failure?.code === "SELF_BLOCK") {
            setConfirmSelfBlock(false);
            setOutcome({ kind: "selfBlock", message: failure.message });
          } else {
            setOutcome({ kind: "error", message: error.message });
            toast(error.message, "error");
          }
        },
      },
    );
  }

  return (
    <section aria-labelledby="ban-form-title" data-testid="ban-form" className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h2 id="ban-form-title" className="text-base font-semibold">
          <button
            type="button"
            aria-expanded={open}
            aria-controls="ban-form-fields"
            onClick={() => setOpen(!open)}
            className="underline-offset-2 hover:underline"
          >
            <span aria-hidden="true">{open ? "▾" : "▸"}</span> Ban an address or range
          </button>
        </h2>
        {disabledReason && (
          <p data-testid="ban-disabled" className="text-sm text-slate-600 dark:text-slate-300">
            Banning and unbanning are unavailable: {disabledReason}
          </p>
        )}
      </div>
      {open && (
        <form id="ban-form-fields" onSubmit={submit} className="mt-3 space-y-3">
          <fieldset disabled={disabled || ban.isPending} className="grid gap-3 sm:grid-cols-[2fr_1fr_3fr_auto]">
            <div>
              <label htmlFor="ban-value" className="block text-sm font-medium">
                Address or range
              </label>
              <input
                id="ban-value"
                value={value}
                onChange={(e) => edit("value", setValue, e.target.value)}
                placeholder="203.0.113.7 or 198.51.100.0/24"
                autoComplete="off"
                spellCheck={false}
                required
                aria-invalid={fields.value ? true : undefined}
                aria-describedby={fields.value ? "ban-value-error" : undefined}
                className={fieldClass(fields.value)}
              />
              <FieldError id="ban-value-error" error={fields.value} />
            </div>
            <div>
              <label htmlFor="ban-duration" className="block text-sm font-medium">
                Duration
              </label>
              <input
                id="ban-duration"
                value={duration}
                onChange={(e) => edit("duration", setDuration, e.target.value)}
                placeholder="4h"
                autoComplete="off"
                required
                aria-invalid={fields.duration ? true : undefined}
                aria-describedby={fields.duration ? "ban-duration-error" : "ban-duration-hint"}
                className={fieldClass(fields.duration)}
              />
              {fields.duration ? (
                <FieldError id="ban-duration-error" error={fields.duration} />
              ) : (
                <p id="ban-duration-hint" className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
                  30m, 4h, 7d
                </p>
              )}
            </div>
            <div>
              <label htmlFor="ban-reason" className="block text-sm font-medium">
                Reason
              </label>
              <input
                id="ban-reason"
                value={reason}
                onChange={(e) => edit("reason", setReason, e.target.value)}
                placeholder="abuse report, scraping…"
                autoComplete="off"
                aria-invalid={fields.reason ? true : undefined}
                aria-describedby={fields.reason ? "ban-reason-error" : undefined}
                className={fieldClass(fields.reason)}
              />
              <FieldError id="ban-reason-error" error={fields.reason} />
            </div>
            <div className="flex items-start sm:pt-6">
              <button type="submit" className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50">
                {ban.isPending ? "Banning…" : "Ban"}
              </button>
            </div>
          </fieldset>
          {outcome.kind === "selfBlock" && (
            <div
              role="alert"
              data-testid="self-block-warning"
              className="space-y-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
            >
              <p>{outcome.message}</p>
              <label className="flex items-center gap-2 font-medium">
                <input
                  type="checkbox"
                  checked={confirmSelfBlock}
                  onChange={(e) => setConfirmSelfBlock(e.target.checked)}
                  disabled={disabled || ban.isPending}
                />
                Ban anyway (I understand this may block me)
              </label>
              {confirmSelfBlock && <p>Press Ban again to ban {value.trim()}.</p>}
            </div>
          )}
          {outcome.kind === "error" && !FIELDS.some((f) => fields[f]) && (
            <p role="alert" data-testid="ban-error" className="text-sm text-red-700 dark:text-red-400">
              {outcome.message}
            </p>
          )}
          {outcome.kind === "done" && (
            <p role="status" data-testid="ban-done" className="text-sm text-emerald-800 dark:text-emerald-300">
              {outcome.message}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
