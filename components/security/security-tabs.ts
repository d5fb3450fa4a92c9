// The /security tabs, shared by the page (which reads ?tab=) and the view (which renders them).
// Plain data: imported by a server component, so no "use client" here.

export const SECURITY_TABS = [
  { id: "overview", label: "Overview" },
  { id: "scenarios", label: "Scenarios" },
  { id: "appsec", label: "AppSec" },
  { id: "audit", label: "Audit" },
] as const;
export type SecurityTab = (typeof SECURITY_TABS)[number]["id"];

/** `?tab=` → a tab; anything else (missing, unknown, repeated) is the overview. */
export function parseSecurityTab(value: string | string[] | undefined): SecurityTab {
  const found = SECURITY_TABS.find((t) => t.id === value);
  return found ? found.id : "overview";
}

/** The tab `key` moves to from `current` (arrows wrap; Home/End jump), or null for other keys. */
export function tabForKey(current: SecurityTab, key: string): SecurityTab | null {
  const i = SECURITY_TABS.findIndex((t) => t.id === current);
  const n = SECURITY_TABS.length;
  if (key === "ArrowRight") return SECURITY_TABS[(i + 1) % n]!.id;
  if (key === "ArrowLeft") return SECURITY_TABS[(i - 1 + n) % n]!.id;
  if (key === "Home") return SECURITY_TABS[0].id;
  if (key === "End") return SECURITY_TABS[n - 1]!.id;
  return null;
}
