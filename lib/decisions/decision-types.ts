// CrowdSec decisions and alerts as the panel shows them: shapes and words shared by the server (the list
// query, the actions) and the browser (the Decisions page). Pure: no server-only import.

/** Where a decision came from, as the page groups LAPI's origins. */
export type OriginKind = "scenario" | "manual" | "panel" | "other";
export const ORIGIN_KINDS: readonly OriginKind[] = ["scenario", "manual", "panel", "other"];

/** LAPI's origin of each kind but "other" (anything else: CAPI, lists, another bouncer's…). */
export const ORIGIN_OF_KIND = { scenario: "crowdsec", manual: "cscli", panel: "warden" } as const satisfies Record<Exclude<OriginKind, "other">, string>;

export function originKind(origin: string): OriginKind {
  if (origin === ORIGIN_OF_KIND.scenario) return "scenario";
  if (origin === ORIGIN_OF_KIND.manual) return "manual";
  if (origin === ORIGIN_OF_KIND.panel) return "panel";
  return "other";
}

export const DECISION_SORTS = ["expires_asc", "expires_desc", "value"] as const;
export type DecisionSort = (typeof DECISION_SORTS)[number];
export const DECISION_PAGE_SIZE = 50;
export const DECISION_PAGE_SIZE_MIN = 10;
export const DECISION_PAGE_SIZE_MAX = 200;
export const DECISION_SEARCH_MAX = 100;

/** The list's filters as the page holds them and the API's query string carries them ("" = no filter). */
export interface DecisionListParams {
  q: string;
  origin: "" | OriginKind;
  type: string;
  enforced: "" | "enforced" | "not_enforced";
  page: number;
  pageSize: number;
  sort: DecisionSort;
}

export const DEFAULT_DECISION_PARAMS: DecisionListParams = {
  q: "",
  origin: "",
  type: "",
  enforced: "",
  page: 1,
  pageSize: DECISION_PAGE_SIZE,
  sort: "expires_asc",
};

export interface DecisionRow {
  id: number;
  value: string;
  scope: string;
  type: string;
  /** LAPI's origin as given, and the page's group for it. */
  origin: string;
  originKind: OriginKind;
  /** The scenario, or the reason given by hand. */
  scenario: string;
  expiresAt: string;
  /** Seconds until it expires, from when the list was read. */
  timeLeftSeconds: number;
  enforced: boolean;
  notEnforcedReason: string | null;
}

/** The leader's last sync and the edge's blocklist, as recorded in blocklist_state. */
export interface BlocklistStateView {
  syncedAt: string | null;
  activeCount: number;
  enforcedCount: number;
  notEnforcedCount: number;
  staleSince: string | null;
  staleReason: string | null;
  servedGeneration: number | null;
}

export interface DecisionListView {
  rows: DecisionRow[];
  /** Rows matching the filters (every page). */
  total: number;
  page: number;
  pageSize: number;
  /** The whole active set (not only the filtered rows): expired decisions are not counted. */
  counts: { active: number; enforced: number; notEnforced: number };
  /** The reasons the edge cannot enforce some decisions ("captcha", "country scope"), most frequent first. */
  notEnforcedReasons: string[];
  /** When the leader last synced from LAPI; null: never. */
  syncedAt: string | null;
  state: BlocklistStateView;
  readAt: string;
}

/** One recent alert, with the decisions it caused. */
export interface AlertRow {
  id: number;
  scenario: string;
  source: { scope: string; value: string; country?: string; as?: string };
  eventsCount: number;
  createdAt: string;
  decisions: { id: number; value: string; type: string; duration: string }[];
}

export const ORIGIN_LABELS: Record<OriginKind, string> = { scenario: "scenario", manual: "manual", panel: "panel", other: "other" };

/** "3 h 12 min", "45 s": a decision's time left, short. */
export function formatTimeLeft(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
