import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { SitesView } from "@/components/sites/sites-view";
import { sitesPageData } from "@/lib/actions/sites/sites-queries";
import { guardPage } from "@/lib/auth/page-guard";

export const dynamic = "force-dynamic";

export default async function SitesPage() {
  const guard = await guardPage("/sites");
  if (guard.kind === "degraded") return <DegradedNotice initial={guard.health} remedies={guard.remedies} />;
  const loaded = await sitesPageData();
  if (loaded.kind === "degraded") return <DegradedNotice initial={loaded.health} remedies={loaded.remedies} />;
  return <SitesView initial={loaded.view} />;
}
