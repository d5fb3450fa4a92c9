import type { DecisionListView } from "@/lib/decisions/decision-types";
import { plural } from "@/lib/plural";

// The Decisions page's summary line, in words: what is active, what the edge enforces, what it cannot
// and why. The sync's age is appended by the view (it ticks).

const number = (n: number) => n.toLocaleString("en-US");

export function decisionSummary(view: Pick<DecisionListView, "counts" | "notEnforcedReasons" | "syncedAt">): string {
  if (view.syncedAt === null) return "Never synced: CrowdSec is off, or the leader has not synced its decisions yet.";
  const { active, enforced, notEnforced } = view.counts;
  const parts = [plural(active, "active decision"), `${number(enforced)} enforced at the edge`];
  if (notEnforced > 0) parts.push(`${number(notEnforced)} not enforced${view.notEnforcedReasons.length ? ` (${view.notEnforcedReasons.join(", ")})` : ""}`);
  return parts.join(" · ");
}

/** "Showing 51–100 of 1,234" for the page shown. */
export function pageRange(view: Pick<DecisionListView, "total" | "page" | "pageSize" | "rows">): string {
  if (view.total === 0) return "No decisions match.";
  const from = (view.page - 1) * view.pageSize + 1;
  return `Showing ${number(from)}–${number(from + view.rows.length - 1)} of ${plural(view.total, "decision")}`;
}

export function pageCount(view: Pick<DecisionListView, "total" | "pageSize">): number {
  return Math.max(1, Math.ceil(view.total / view.pageSize));
}
