import { SecurityView, type SecurityTab } from "@/components/security/security-view";
import { requirePageAdmin } from "@/lib/auth/page-guard";
import { db } from "@/lib/db";
import { getSecurityStatus } from "@/lib/security/status";

export const dynamic = "force-dynamic";

export default async function SecurityPage({ searchParams }: { searchParams: Promise<{ tab?: string }> }) {
  const { tab } = await searchParams;
  const initialTab: SecurityTab = tab === "audit" ? "audit" : "overview";
  await requirePageAdmin(initialTab === "audit" ? "/security?tab=audit" : "/security");
  // Rendered with the current status so the first paint is real data, then polled by the client.
  const initialStatus = await getSecurityStatus(db());
  return <SecurityView initialStatus={initialStatus} initialTab={initialTab} />;
}
