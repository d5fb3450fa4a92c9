import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { SecurityView } from "@/components/security/security-view";
import { parseSecurityTab } from "@/components/security/security-tabs";
import { guardPage } from "@/lib/auth/page-guard";
import { db } from "@/lib/db";
import { driftReport } from "@/lib/drift/running-detector";
import { orDegraded } from "@/lib/migrations/gate";
import { healthBody } from "@/lib/migrations/health";
import { getSecurityStatus } from "@/lib/security/security-status";

export const dynamic = "force-dynamic";

export default async function SecurityPage({ searchParams }: { searchParams: Promise<{ tab?: string | string[] }> }) {
  const { tab } = await searchParams;
  const initialTab = parseSecurityTab(tab);
  const guard = await guardPage(initialTab === "overview" ? "/security" : `/security?tab=${initialTab}`);
  if (guard.kind === "degraded") return <DegradedNotice initial={guard.health} remedies={guard.remedies} />;
  // Rendered with the current status and the detector's cached drift snapshot, so the first paint
  // is real data (banner included); then the client polls both.
  const loaded = await orDegraded(async () => {
    const [status, drift] = await Promise.all([getSecurityStatus(db()), driftReport()]);
    return { status, drift };
  });
  if (!loaded.ok) return <DegradedNotice initial={healthBody(loaded.gate)} remedies={loaded.gate.report.remedies} />;
  return <SecurityView initialStatus={loaded.value.status} initialDrift={loaded.value.drift} />;
}
