import type { ReactNode } from "react";
import { AppShell } from "@/components/app-shell";
import { currentAdmin } from "@/lib/auth/page-guard";
import { schemaGate } from "@/lib/migrations/gate";

export const dynamic = "force-dynamic";

// The shell shows status only to a signed-in admin; each page enforces the session (and the schema
// gate) itself.
export default async function PanelLayout({ children }: { children: ReactNode }) {
  const [gate, admin] = await Promise.all([schemaGate(), currentAdmin()]);
  if (!admin) return <main className="mx-auto max-w-3xl p-6">{children}</main>;
  return (
    <AppShell schema={gate.report} username={admin.user.username}>
      {children}
    </AppShell>
  );
}
