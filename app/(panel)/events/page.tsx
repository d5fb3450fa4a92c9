import { EventsView } from "@/components/events/events-view";
import { DegradedNotice } from "@/components/migrations/degraded-notice";
import { eventsPageData } from "@/lib/actions/edge/events-queries";
import { guardPage } from "@/lib/auth/page-guard";

export const dynamic = "force-dynamic";

type Params = { site?: string | string[]; action?: string | string[]; rule?: string | string[]; requestId?: string | string[] };

// The URL's filters (`/events?requestId=…` finds the event a block page named) are the first paint's.
export default async function EventsPage({ searchParams }: { searchParams: Promise<Params> }) {
  const { site, action, rule, requestId } = await searchParams;
  const guard = await guardPage("/events");
  if (guard.kind === "degraded") return <DegradedNotice initial={guard.health} remedies={guard.remedies} />;
  const loaded = await eventsPageData({ site, action, rule, requestId });
  if (loaded.kind === "degraded") return <DegradedNotice initial={loaded.health} remedies={loaded.remedies} />;
  return <EventsView initial={loaded.view} initialFilter={loaded.filter} />;
}
