"use client";

import { useState } from "react";
import { Field } from "./field";

/** Posts to /api/auth/login (JSON); a full navigation afterwards so the new cookie is used. */
export function LoginForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get("username") ?? "");
    const password = String(form.get("password") ?? "");
    if (!username.trim() || !password) return setError("Enter your username and password.");
    setPending(true);
    setError(null);
    try {
      const response = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password, next }),
      });
      const body = (await response.json().catch(() => null)) as { data?: { next: string }; error?: { message: string } } | null;
      if (response.ok && body?.data) return window.location.assign(body.data.next);
      setError(body?.error?.message ?? `Sign-in failed (HTTP ${response.status}).`);
    } catch {
      setError("The server could not be reached. Try again.");
    }
    setPending(false);
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <Field id="username" label="Username" autoComplete="username" />
      <Field id="password" label="Password" type="password" autoComplete="current-password" />
      {error && (
        <p
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-slate-900 px-3 py-2 text-sm font-medium text-white disabled:opacity-60 dark:bg-slate-100 dark:text-slate-900"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Forgot the password? On the server run <code>npm run cli -- reset-password &lt;username&gt;</code>.
      </p>
    </form>
  );
}
