import type { ReactNode } from "react";
import { AppShell } from "@/components/app-shell";
import { currentAdmin } from "@/lib/auth/page-guard";
import { env } from "@/lib/env";
import { summarizeMigrations } from "@/lib/migrations/summary";

export const dynamic = "force-dynamic";

// The shell shows status only to a signed-in admin; each page enforces the session itself.
export default async function PanelLayout({ children }: { children: ReactNode }) {
  const admin = await currentAdmin();
  if (!admin) return <main className="mx-auto max-w-md p-6">{children}</main>;
  const schema = await summarizeMigrations(env().DATABASE_URL);
  return (
    <AppShell schema={schema} username={admin.user.username}>
      {children}
    </AppShell>
  );
}
