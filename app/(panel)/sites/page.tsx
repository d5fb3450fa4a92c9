import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { SitesView } from "@/components/sites/sites-view";
import { sitesView } from "@/lib/actions/sites/list";
import { guardPage } from "@/lib/auth/page-guard";
import { orDegraded } from "@/lib/migrations/gate";
import { healthBody } from "@/lib/migrations/health";

export const dynamic = "force-dynamic";

export default async function SitesPage() {
  const guard = await guardPage("/sites");
  if (guard.kind === "degraded") return <DegradedNotice initial={guard.health} remedies={guard.remedies} />;
  const loaded = await orDegraded(sitesView);
  if (!loaded.ok) return <DegradedNotice initial={healthBody(loaded.gate)} remedies={loaded.gate.report.remedies} />;
  return <SitesView initial={loaded.value} />;
}
