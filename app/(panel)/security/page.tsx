import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { SecurityView } from "@/components/security/security-view";
import { parseSecurityTab } from "@/components/security/security-tabs";
import { securityPageData } from "@/lib/actions/security/security-queries";
import { guardPage } from "@/lib/auth/page-guard";

export const dynamic = "force-dynamic";

export default async function SecurityPage({ searchParams }: { searchParams: Promise<{ tab?: string | string[] }> }) {
  const { tab } = await searchParams;
  const initialTab = parseSecurityTab(tab);
  const guard = await guardPage(initialTab === "overview" ? "/security" : `/security?tab=${initialTab}`);
  if (guard.kind === "degraded") return <DegradedNotice initial={guard.health} remedies={guard.remedies} />;
  // Rendered with the current status and the detector's cached drift snapshot, so the first paint
  // is real data (banner included); then the client polls both.
  const loaded = await securityPageData();
  if (loaded.kind === "degraded") return <DegradedNotice initial={loaded.health} remedies={loaded.remedies} />;
  return <SecurityView initialStatus={loaded.status} initialDrift={loaded.drift} />;
}
