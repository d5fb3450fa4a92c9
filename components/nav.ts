// The panel's navigation, plain data (the shell renders it, tests read it).
export const NAV = [
  ["/security", "Security"],
  ["/sites", "Sites"],
  ["/decisions", "Decisions"],
  ["/events", "Events"],
  ["/security?tab=audit", "Audit"],
  ["/migrations", "Migrations"],
  ["/account", "Account"],
] as const;

export type NavHref = (typeof NAV)[number][0];

/** Which link is the current page: Audit is the Security page's audit tab, Security its other tabs. */
export function currentNavHref(pathname: string, tab: string | null): NavHref | null {
  if (pathname === "/security") return tab === "audit" ? "/security?tab=audit" : "/security";
  const found = NAV.find(([href]) => !href.includes("?") && (pathname === href || pathname.startsWith(`${href}/`)));
  return found ? found[0] : null;
}
