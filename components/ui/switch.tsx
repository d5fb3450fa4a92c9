"use client";

/** An accessible on/off switch: role="switch", aria-checked, labelled by the element `labelledBy`. */
export function Switch({
  checked,
  pending,
  disabled,
  labelledBy,
  onChange,
}: {
  checked: boolean;
  pending: boolean;
  disabled?: boolean;
  labelledBy: string;
  onChange: (next: boolean) => void;
}) {
  const inactive = pending || disabled;
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-labelledby={labelledBy}
      aria-busy={pending}
      aria-disabled={inactive}
      // A second click while the first is in flight is ignored (the button stays focusable).
      onClick={() => !inactive && onChange(!checked)}
      className={`relative inline-flex h-7 w-12 shrink-0 items-center rounded-full border transition-colors ${
        checked ? "border-emerald-700 bg-emerald-600" : "border-slate-400 bg-slate-300 dark:bg-slate-700"
      } ${inactive ? "cursor-wait opacity-70" : "cursor-pointer"}`}
    >
      <span
        className={`inline-flex h-5 w-5 items-center justify-center rounded-full bg-white shadow transition-transform ${
          checked ? "translate-x-6" : "translate-x-1"
        }`}
      >
        {pending && <span aria-hidden className="h-3 w-3 animate-spin rounded-full border-2 border-slate-400 border-t-transparent" />}
      </span>
      <span className="sr-only">{pending ? "saving" : checked ? "on" : "off"}</span>
    </button>
  );
}
