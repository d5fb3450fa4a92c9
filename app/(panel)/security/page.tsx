import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { SecurityView, type SecurityTab } from "@/components/security/security-view";
import { guardPage } from "@/lib/auth/page-guard";
import { orDegraded } from "@/lib/migrations/gate";
import { healthBody } from "@/lib/migrations/health";
import { db } from "@/lib/db";
import { getSecurityStatus } from "@/lib/security/status";

export const dynamic = "force-dynamic";

export default async function SecurityPage({ searchParams }: { searchParams: Promise<{ tab?: string }> }) {
  const { tab } = await searchParams;
  const initialTab: SecurityTab = tab === "audit" ? "audit" : "overview";
  const guard = await guardPage(initialTab === "audit" ? "/security?tab=audit" : "/security");
  if (guard.kind === "degraded") return <DegradedNotice initial={guard.health} remedy={guard.remedy} />;
  // Rendered with the current status so the first paint is real data, then polled by the client.
  const status = await orDegraded(() => getSecurityStatus(db()));
  if (!status.ok) return <DegradedNotice initial={healthBody(status.gate)} remedy={status.gate.report.remedy} />;
  return <SecurityView initialStatus={status.value} initialTab={initialTab} />;
}
