import { DecisionsView } from "@/components/decisions/decisions-view";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { decisionsPageData } from "@/lib/actions/decisions/decision-list";
import { guardPage } from "@/lib/auth/page-guard";

export const dynamic = "force-dynamic";

type Params = Record<string, string | string[] | undefined>;

// The URL's filters (`/decisions?q=203.0.113.&origin=panel`) are the first paint's.
export default async function DecisionsPage({ searchParams }: { searchParams: Promise<Params> }) {
  const { q, origin, type, enforced, page, pageSize, sort } = await searchParams;
  const guard = await guardPage("/decisions");
  if (guard.kind === "degraded") return <DegradedNotice initial={guard.health} remedies={guard.remedies} />;
  const loaded = await decisionsPageData({ q, origin, type, enforced, page, pageSize, sort });
  if (loaded.kind === "degraded") return <DegradedNotice initial={loaded.health} remedies={loaded.remedies} />;
  return <DecisionsView initial={loaded.view} initialParams={loaded.query} />;
}
