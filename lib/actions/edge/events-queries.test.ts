import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditLine } from "../../../test/support/audit-log";
import { cleanupTempDirs, freshSqliteUrl, tempDir } from "../../../test/support/databases";
import { createDb, dbSlot, type Db } from "../../db";
import { MalformedRequestError } from "../../errors";
import { readIntent } from "../../security/intent-store";
import { addExclusion, createSite } from "../../sites/site-store";
import { wafEventsView } from "./events-queries";

// The Events page's query against a real database and an audit log on disk: each event is shown with
// the site that serves its host, and for each rule what "Exclude this rule for this site" would do;
// the filters narrow it; a malformed filter is refused before anything is read.

const ADMIN = { actor: "admin" };
const SITE = { upstream: "http://127.0.0.1:9001", tlsVerify: true, enabled: false, maxBodyBytes: 10_485_760, waf: "inherit" };
let db: Db;
let auditLog: string;
let shopId: number;
let blogId: number;

beforeAll(async () => {
  const dataDir = tempDir("warden-events-query-");
  const url = await freshSqliteUrl();
  vi.stubEnv("DATABASE_URL", url);
  vi.stubEnv("WARDEN_DATA_DIR", dataDir);
  vi.stubEnv("WARDEN_EDGE_DIR", "");
  db = createDb(url);
  dbSlot.set(db);
  await readIntent(db);
  shopId = (await createSite(db, { ...SITE, hosts: ["shop.example.com", "*.shop.example.com"] }, ADMIN)).site!.id;
  blogId = (await createSite(db, { ...SITE, hosts: ["blog.example.com"] }, ADMIN)).site!.id;
  await addExclusion(db, { siteId: shopId, ruleId: 941160 }, ADMIN);
  auditLog = path.join(dataDir, "edge", "logs", "modsec_audit.log");
  mkdirSync(path.dirname(auditLog), { recursive: true });
  appendFileSync(
    auditLog,
    auditLine({ requestId: "c0ffee01", host: "www.shop.example.com", ruleIds: [941100, 941160, 949110] }) +
      auditLine({ requestId: "c0ffee02", host: "blog.example.com", ruleIds: [942100], engine: "DetectionOnly" }) +
      auditLine({ requestId: "c0ffee03", host: "stray.test:8080", ruleIds: [913100, 949110] }),
  );
});

afterAll(async () => {
  dbSlot.clear();
  await db.$disconnect();
  vi.unstubAllEnvs();
  cleanupTempDirs();
});

describe("wafEventsView", () => {
  it("lists the edge's events newest first, each with its site and what excluding each rule would do", async () => {
    const view = await wafEventsView({});
    expect(view).toMatchObject({ matched: 3, kept: 3, keep: 500, auditLog, readError: null });
    expect(view.sites).toEqual([
      { id: shopId, name: "shop.example.com" },
      { id: blogId, name: "blog.example.com" },
    ]);
    expect(view.events.map((e) => [e.requestId, e.site?.name ?? null, e.action])).toEqual([
      ["c0ffee03", null, "blocked"],
      ["c0ffee02", "blog.example.com", "detected"],
      ["c0ffee01", "shop.example.com", "blocked"],
    ]);
    expect(view.events[2]!.rules.map((r) => [r.ruleId, r.exclusion])).toEqual([
      [941100, "excludable"],
      [941160, "excluded"],
      [949110, "score"],
    ]);
    expect(view.events[0]!.rules.map((r) => r.exclusion)).toEqual(["no-site", "no-site"]);
  });

  it("an exclusion added since shows at the next read", async () => {
    await addExclusion(db, { siteId: blogId, ruleId: 942100 }, ADMIN);
    const view = await wafEventsView({ site: String(blogId) });
    expect(view.events.map((e) => e.rules.map((r) => r.exclusion))).toEqual([["excluded"]]);
  });

  it("filters by site (id or host name), action, rule and request id, and bounds the page", async () => {
    const ids = async (params: Record<string, string>) => (await wafEventsView(params)).events.map((e) => e.requestId);
    expect(await ids({ site: "any.shop.example.com" })).toEqual(["c0ffee01"]);
    expect(await ids({ site: "stray.test" })).toEqual(["c0ffee03"]);
    expect(await ids({ action: "detected" })).toEqual(["c0ffee02"]);
    expect(await ids({ rule: "949110" })).toEqual(["c0ffee03", "c0ffee01"]);
    expect(await ids({ requestId: "C0FFEE0" })).toEqual(["c0ffee03", "c0ffee02", "c0ffee01"]);
    expect(await ids({ requestId: "c0ffee02" })).toEqual(["c0ffee02"]);
    const page = await wafEventsView({ limit: "1" });
    expect(page).toMatchObject({ matched: 3, events: [{ requestId: "c0ffee03" }] });
  });

  it("a malformed filter is refused with a sentence naming the field", async () => {
    await expect(wafEventsView({ rule: "941100;" })).rejects.toThrow(MalformedRequestError);
    await expect(wafEventsView({ action: "denied" })).rejects.toThrow('Invalid events filter: action: must be "blocked" or "detected"');
  });
});
