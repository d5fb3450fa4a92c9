import "server-only";
import { DomainError } from "../../errors";
import type { LapiAccess } from "./lapi-credentials";
import { lapiRequest, type LapiResponse } from "./lapi-http";

// CrowdSec's Local API as Warden uses it: the bouncer side (the decision stream as a change signal,
// the full active set) and the machine side (ban = an alert carrying one decision, as cscli does;
// unban = delete a decision; recent alerts). Answers are checked field by field: nothing LAPI sends
// is trusted to have the shape it should.

/** One active decision as LAPI reports it. */
export interface LapiDecision {
  id: number;
  origin: string;
  type: string;
  scope: string;
  value: string;
  /** Time left, a Go duration ("3h59m58.52s"). */
  duration: string;
  scenario: string;
}

export interface LapiAlert {
  id: number;
  scenario: string;
  source: { scope: string; value: string; country?: string; as?: string };
  eventsCount: number;
  createdAt: string;
  decisions: { id: number; value: string; type: string; duration: string; origin: string }[];
}

/** The origin Warden's own bans carry (shown as "panel"). */
export const PANEL_ORIGIN = "warden";

export class LapiError extends DomainError {
  constructor(message: string) {
    super("RUNTIME_FAILED", message);
  }
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

function toDecision(raw: unknown): LapiDecision | null {
  if (!raw || typeof raw !== "object") return null;
  const d = raw as Record<string, unknown>;
  const id = typeof d.id === "number" ? d.id : Number(d.id);
  if (!Number.isSafeInteger(id) || id <= 0 || typeof d.value !== "string") return null;
  return { id, origin: str(d.origin), type: str(d.type), scope: str(d.scope), value: d.value, duration: str(d.duration), scenario: str(d.scenario) };
}

function decisions(json: unknown): LapiDecision[] {
  if (json === null) return [];
  if (!Array.isArray(json)) throw new LapiError("LAPI answered something that is not a list of decisions");
  return json.map(toDecision).filter((d): d is LapiDecision => d !== null);
}

function fail(what: string, r: Extract<LapiResponse, { ok: false }>): never {
  throw new LapiError(`${what}: ${r.error}`);
}

export class LapiClient {
  private token: { value: string; expiresAt: number } | null = null;

  constructor(readonly access: LapiAccess) {}

  private bouncerHeaders(): Record<string, string> {
    if (!this.access.bouncerKey) throw new LapiError(this.access.bouncerProblem ?? "no bouncer key");
    return { "x-api-key": this.access.bouncerKey };
  }

  /** The stream's delta since the last call (startup: everything active). Only a change signal. */
  async stream(startup: boolean): Promise<{ changed: boolean; added: number; deleted: number }> {
    const r = await lapiRequest(this.access.url, { method: "GET", path: `v1/decisions/stream?startup=${startup}`, headers: this.bouncerHeaders() });
    if (!r.ok) fail("reading LAPI's decision stream failed", r);
    const body = (r.json ?? {}) as { new?: unknown; deleted?: unknown };
    const added = Array.isArray(body.new) ? body.new.length : 0;
    const deleted = Array.isArray(body.deleted) ? body.deleted.length : 0;
    return { changed: added + deleted > 0, added, deleted };
  }

  /** Every active decision (GET /v1/decisions). */
  async active(): Promise<LapiDecision[]> {
    const r = await lapiRequest(this.access.url, { method: "GET", path: "v1/decisions", headers: this.bouncerHeaders(), timeoutMs: 15_000 });
    if (!r.ok) fail("reading LAPI's active decisions failed", r);
    return decisions(r.json);
  }

  private async machineHeaders(): Promise<Record<string, string>> {
    const m = this.access.machine;
    if (!m) throw new LapiError(this.access.machineProblem ?? "no machine credentials");
    if (!this.token || this.token.expiresAt - Date.now() < 60_000) {
      const r = await lapiRequest(this.access.url, {
        method: "POST",
        path: "v1/watchers/login",
        body: { machine_id: m.login, password: m.password, scenarios: [] },
      });
      if (!r.ok) fail(r.status === 401 || r.status === 403 ? "LAPI refused Warden's machine credentials" : "signing in to LAPI failed", r);
      const body = r.json as { token?: unknown; expire?: unknown } | null;
      if (typeof body?.token !== "string") throw new LapiError("LAPI's login answer carries no token");
      const expires = typeof body.expire === "string" ? Date.parse(body.expire) : NaN;
      this.token = { value: body.token, expiresAt: Number.isFinite(expires) ? expires : Date.now() + 30 * 60_000 };
    }
    return { authorization: `Bearer ${this.token.value}` };
  }

  /** A machine request, signing in again once if LAPI forgot the token (it restarted). */
  private async machine(req: Parameters<typeof lapiRequest>[1], what: string) {
    let r = await lapiRequest(this.access.url, { ...req, headers: await this.machineHeaders() });
    if (!r.ok && r.status === 401) {
      this.token = null;
      r = await lapiRequest(this.access.url, { ...req, headers: await this.machineHeaders() });
    }
    if (!r.ok) fail(what, r);
    return r;
  }

  /** Bans one validated value (scope Ip or Range) for a Go duration; answers the alert id. */
  async ban(ban: { value: string; scope: "Ip" | "Range"; duration: string; reason: string }): Promise<number> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const decision = { duration: ban.duration, scope: ban.scope, value: ban.value, type: "ban", scenario: ban.reason, origin: PANEL_ORIGIN };
    const alert = {
      capacity: 0,
      decisions: [decision],
      events: [],
      events_count: 1,
      leakspeed: "0",
      message: ban.reason,
      scenario: ban.reason,
      scenario_hash: "",
      scenario_version: "",
      simulated: false,
      source: { scope: ban.scope, value: ban.value, ...(ban.scope === "Ip" ? { ip: ban.value } : { range: ban.value }) },
      start_at: now,
      stop_at: now,
      created_at: now,
    };
    const r = await this.machine({ method: "POST", path: "v1/alerts", body: [alert] }, `LAPI did not accept the ban of ${ban.value}`);
    const ids = Array.isArray(r.json) ? r.json.map(Number).filter(Number.isSafeInteger) : [];
    if (ids.length !== 1) throw new LapiError(`LAPI's answer to the ban of ${ban.value} names no alert`);
    return ids[0]!;
  }

  /** Deletes one decision by id; answers how many LAPI deleted (0: it had already gone). */
  async unban(id: number): Promise<number> {
    let r;
    try {
      r = await this.machine({ method: "DELETE", path: `v1/decisions/${id}` }, `LAPI did not delete decision ${id}`);
    } catch (error) {
      // LAPI 1.4.6 answers 500 "decision with id 'N' doesn't exist" for one already gone (expired, unbanned).
      if (/doesn't exist/.test((error as Error).message)) return 0;
      throw error;
    }
    const n = Number((r.json as { nbDeleted?: unknown } | null)?.nbDeleted ?? 0);
    return Number.isSafeInteger(n) ? n : 0;
  }

  /** Deletes every decision on one address (DELETE /v1/decisions?ip=); answers how many. */
  async unbanIp(ip: string): Promise<number> {
    const r = await this.machine({ method: "DELETE", path: `v1/decisions?ip=${encodeURIComponent(ip)}` }, `LAPI did not delete the decisions on ${ip}`);
    const n = Number((r.json as { nbDeleted?: unknown } | null)?.nbDeleted ?? 0);
    return Number.isSafeInteger(n) ? n : 0;
  }

  /** Recent alerts with the decisions they caused (newest first). */
  async alerts(limit: number): Promise<LapiAlert[]> {
    // Not `include_capi=false`: LAPI 1.4.6 then answers null even for its own machines' alerts. The
    // community blocklist's alerts (origin CAPI / lists, none offline) are left out below instead.
    const r = await this.machine({ method: "GET", path: `v1/alerts?limit=${limit}` }, "reading LAPI's alerts failed");
    if (!Array.isArray(r.json)) return [];
    return r.json.flatMap((raw): LapiAlert[] => {
      const a = raw as Record<string, unknown>;
      const id = Number(a.id);
      if (!Number.isSafeInteger(id)) return [];
      const source = (a.source ?? {}) as Record<string, unknown>;
      const list = Array.isArray(a.decisions) ? a.decisions.map(toDecision).filter((d): d is LapiDecision => d !== null) : [];
      if (list.length > 0 && list.every((d) => d.origin === "CAPI" || d.origin === "lists")) return [];
      return [
        {
          id,
          scenario: str(a.scenario),
          source: {
            scope: str(source.scope),
            value: str(source.value),
            ...(source.cn ? { country: str(source.cn) } : {}),
            ...(source.as_name ? { as: str(source.as_name) } : {}),
          },
          eventsCount: Number(a.events_count) || 0,
          createdAt: str(a.created_at) || str(a.start_at),
          decisions: list.map((d) => ({ id: d.id, value: d.value, type: d.type, duration: d.duration, origin: d.origin })),
        },
      ];
    });
  }
}
