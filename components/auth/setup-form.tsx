"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { setupAction } from "@/lib/actions/auth/setup";
import { PASSWORD_MIN_LENGTH, ZSetupInput } from "@/lib/auth/credentials-schema";
import { fieldErrors } from "@/lib/security/spec";
import { Field } from "./field";

/** `token`: the one-time setup token from the link, sent with the form (never read from the URL by the action). */
export function SetupForm({ token }: { token: string }) {
  const router = useRouter();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      username: String(form.get("username") ?? ""),
      password: String(form.get("password") ?? ""),
      confirm: String(form.get("confirm") ?? ""),
      token: String(form.get("token") ?? ""),
    };
    const checked = ZSetupInput.safeParse(input);
    if (!checked.success) return setErrors(fieldErrors(checked.error));
    setPending(true);
    setErrors({});
    const result = await setupAction(input);
    if ("data" in result) return router.replace(result.data.signedIn ? "/security" : "/login?next=%2Fsecurity");
    setErrors(result.error.fields && Object.keys(result.error.fields).length ? result.error.fields : { _: result.error.message });
    setPending(false);
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <input type="hidden" name="token" value={token} />
      <Field id="username" label="Username" autoComplete="username" error={errors.username} hint="Letters a–z, digits, dot, dash, underscore" />
      <Field
        id="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        error={errors.password}
        hint={`At least ${PASSWORD_MIN_LENGTH} characters`}
      />
      <Field id="confirm" label="Confirm password" type="password" autoComplete="new-password" error={errors.confirm} />
      {errors._ && (
        <p
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {errors._}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-slate-900 px-3 py-2 text-sm font-medium text-white disabled:opacity-60 dark:bg-slate-100 dark:text-slate-900"
      >
        {pending ? "Creating…" : "Create admin and sign in"}
      </button>
    </form>
  );
}
