import { describe, expect, it } from "vitest";
import { redactUrl, scrubConnectionDetails } from "./db-url";

describe("redactUrl (server log and CLI)", () => {
  it("keeps provider, host, port and database; drops user, password and the query string", () => {
    expect(redactUrl("postgres://app:s3cret@db.internal:6432/warden")).toBe("postgres://db.internal:6432/warden");
    expect(redactUrl("postgresql://app@db.internal/warden?password=s3cret&sslmode=require")).toBe("postgresql://db.internal/warden");
    expect(redactUrl("file:./data/warden.db?mode=rwc")).toBe("file:./data/warden.db");
    expect(redactUrl("postgres://user:pw@[::1")).toBe("(unparseable database URL)");
  });
});

describe("scrubConnectionDetails (anything a client sees)", () => {
  it("removes every part of a PostgreSQL URL from a driver message", () => {
    const url = "postgres://app_user:p%40ss@db.internal:6432/warden_prod?password=qs-secret";
    const message = 'connect ECONNREFUSED db.internal:6432 for app_user on "warden_prod" with p@ss and qs-secret';
    const scrubbed = scrubConnectionDetails(message, url);
    for (const part of ["db.internal", "6432", "app_user", "warden_prod", "p@ss", "qs-secret"]) expect(scrubbed).not.toContain(part);
    expect(scrubbed).toContain("connect ECONNREFUSED");
  });

  it("removes an SQLite path and file name", () => {
    const scrubbed = scrubConnectionDetails("unable to open /srv/warden/data/panel.db (panel.db)", "file:/srv/warden/data/panel.db");
    expect(scrubbed).not.toMatch(/srv|panel\.db/);
    expect(scrubbed).toContain("unable to open");
  });
});
