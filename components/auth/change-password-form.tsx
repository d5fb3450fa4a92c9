"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { changePasswordAction } from "@/lib/actions/auth/change-password";
import { PASSWORD_MIN_LENGTH, ZChangePasswordInput } from "@/lib/auth/credentials-schema";
import { fieldErrors } from "@/lib/security/spec";
import { Field } from "./field";

export function ChangePasswordForm() {
  const router = useRouter();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState(false);
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const input = {
      currentPassword: String(form.get("currentPassword") ?? ""),
      newPassword: String(form.get("newPassword") ?? ""),
      confirm: String(form.get("confirmNew") ?? ""),
    };
    const checked = ZChangePasswordInput.safeParse(input);
    if (!checked.success) return setErrors(fieldErrors(checked.error));
    setPending(true);
    setErrors({});
    setDone(false);
    const result = await changePasswordAction(input);
    setPending(false);
    if ("data" in result) {
      formElement.reset();
      setDone(true);
      // The page lists sessions (the others have just ended) and the "must change" notice.
      router.replace("/account");
      router.refresh();
      return;
    }
    setErrors(result.error.fields && Object.keys(result.error.fields).length ? result.error.fields : { _: result.error.message });
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <Field id="currentPassword" label="Current password" type="password" autoComplete="current-password" error={errors.currentPassword} />
      <Field
        id="newPassword"
        label="New password"
        type="password"
        autoComplete="new-password"
        error={errors.newPassword}
        hint={`At least ${PASSWORD_MIN_LENGTH} characters; signs out your other sessions`}
      />
      <Field id="confirmNew" label="Confirm new password" type="password" autoComplete="new-password" error={errors.confirm} />
      {errors._ && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {errors._}
        </p>
      )}
      {done && (
        <p role="status" className="text-sm text-emerald-700">
          Password changed. Other sessions were signed out.
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60 dark:bg-slate-100 dark:text-slate-900"
      >
        {pending ? "Saving…" : "Change password"}
      </button>
    </form>
  );
}
