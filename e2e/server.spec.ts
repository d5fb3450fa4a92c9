import { spawnSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { submitLogin } from "./helpers";
import { freePort, startRefused, startServer, type SpawnedServer } from "./spawned-server";

// Request trust, end to end through server.mjs on the production build, each case on a server of
// its own configuration: the client address comes from the socket (forwarding headers only from
// WARDEN_TRUSTED_PROXIES), bodies are bounded while read, a database outage never shows its
// connection string, https awareness. @server: runs once per e2e run, on no shared server.

test.describe.configure({ mode: "serial" });

const login = (server: SpawnedServer, username: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username, password: "not the password at all" }),
  });

test("@server a client cannot pick its address: forged X-Forwarded-For, X-Real-IP and Forwarded do not escape the per-address sign-in limit", async () => {
  const server = await startServer();
  try {
    for (let i = 1; i <= 5; i++) {
      const forged = { "x-forwarded-for": `198.51.100.${i}`, "x-real-ip": `198.51.100.${i}`, forwarded: `for=198.51.100.${i}` };
      expect((await login(server, `nobody-${i}`, forged)).status).toBe(401);
    }
    // Five failures from 127.0.0.1 (the socket), whatever the headers said: the sixth is refused.
    const sixth = await login(server, "nobody-6", { "x-forwarded-for": "203.0.113.99" });
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get("retry-after")).toMatch(/^\d+$/);
  } finally {
    await server.stop();
  }
});

test("@server behind a trusted proxy, the address it vouches for is the client (walked from the right); https without an https public URL is a WARN", async () => {
  const server = await startServer({ WARDEN_TRUSTED_PROXIES: "127.0.0.1" });
  try {
    // A client-written prefix ("6.6.6.6, …") is never reached: the proxy appended the real address last.
    for (let i = 1; i <= 5; i++)
      expect((await login(server, `nobody-${i}`, { "x-forwarded-for": `6.6.6.${i}, 203.0.113.50`, "x-forwarded-proto": "https" })).status).toBe(401);
    expect((await login(server, "nobody-6", { "x-forwarded-for": "203.0.113.50" })).status).toBe(429);
    // Another client behind the same proxy is not locked out.
    expect((await login(server, "nobody-7", { "x-forwarded-for": "203.0.113.51" })).status).toBe(401);
    await expect.poll(() => server.output()).toContain('"event":"public_url_not_https"');
    expect(server.output()).toContain('"level":"warn"');
  } finally {
    await server.stop();
  }
});

test("@server settings refused at boot: WARDEN_TRUST_PROXY (naming its replacement) and a malformed WARDEN_TRUSTED_PROXIES", async () => {
  const legacy = await startRefused({ WARDEN_TRUST_PROXY: "true" });
  expect(legacy.code).toBe(1);
  expect(legacy.output).toContain("WARDEN_TRUST_PROXY is no longer supported");
  expect(legacy.output).toContain("WARDEN_TRUSTED_PROXIES");

  const malformed = await startRefused({ WARDEN_TRUSTED_PROXIES: "10.0.0.0/8, proxy.internal" });
  expect(malformed.code).toBe(1);
  expect(malformed.output).toContain('WARDEN_TRUSTED_PROXIES: "proxy.internal" is not an IP address or CIDR range');
});

test("@server https awareness: an https public URL sends HSTS; plain http does not", async () => {
  const https = await startServer({ WARDEN_PUBLIC_URL: "https://panel.example.org" });
  try {
    const response = await fetch(`${https.url}/api/health/live`);
    expect(response.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
  } finally {
    await https.stop();
  }
  const http = await startServer();
  try {
    expect((await fetch(`${http.url}/api/health/live`)).headers.get("strict-transport-security")).toBeNull();
  } finally {
    await http.stop();
  }
});

/** Sends `totalMiB` of chunked body (no Content-Length) until the server answers or hangs up. */
function sendChunked(url: string, headers: Record<string, string>, totalMiB: number): Promise<{ status: number | null; body: string; sentMiB: number }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(1024 * 1024, "a");
    let sent = 0;
    let settled = false;
    const done = (status: number | null, body: string) => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve({ status, body, sentMiB: sent });
    };
    const req = httpRequest(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => done(res.statusCode ?? null, body));
      res.on("error", () => done(res.statusCode ?? null, body));
    });
    req.on("error", () => done(null, ""));
    const pump = () => {
      while (!settled && sent < totalMiB) {
        sent++;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!settled) req.end();
    };
    pump();
  });
}

test("@server a 200 MB chunked body is refused while it is read (413), and the server does not grow with it", async () => {
  const server = await startServer();
  try {
    // Warm up both paths first (their code loads on first use), so the growth measured is the body's.
    const manifest = JSON.parse(readFileSync(join(process.cwd(), ".next/server/server-reference-manifest.json"), "utf8")) as {
      node: Record<string, { exportedName: string }>;
    };
    const [actionId] = Object.entries(manifest.node).find(([, entry]) => entry.exportedName === "toggleProtectionAction")!;
    const actionHeaders = { "next-action": actionId, "content-type": "text/plain;charset=UTF-8", origin: server.url };
    for (let i = 0; i < 3; i++) {
      await login(server, "warm-up");
      await fetch(`${server.url}/security`);
      await fetch(`${server.url}/security`, { method: "POST", headers: actionHeaders, body: "[]" });
    }
    const before = server.rssMiB();
    // The server answers 413 and closes while the client is still sending; the client's kernel can then
    // receive a reset before the client has read the answer (TCP discards unread data on RST), which a
    // client sees as a dropped connection. A real client retries that: so does this one, up to 3 times,
    // and every attempt must have been cut off early.
    let result = await sendChunked(`${server.url}/api/auth/login`, { "content-type": "application/json" }, 200);
    for (let attempt = 1; result.status === null && attempt < 3; attempt++) {
      expect(result.sentMiB).toBeLessThan(200);
      result = await sendChunked(`${server.url}/api/auth/login`, { "content-type": "application/json" }, 200);
    }
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    expect(result.sentMiB).toBeLessThan(200);
    expect(server.rssMiB() - before).toBeLessThan(64);

    // A server action: Next.js enforces the explicit bodySizeLimit while it reads, too.
    const action = await sendChunked(`${server.url}/security`, actionHeaders, 200);
    expect(action.status === null || action.status >= 400, `server action answered ${action.status}`).toBe(true);
    expect(server.rssMiB() - before).toBeLessThan(64);
    expect((await fetch(`${server.url}/api/health/live`)).status).toBe(200);
  } finally {
    await server.stop();
  }
});

test("@server with the database down, no response or page shows any part of the connection string; the log names host and database, never the password", async ({
  page,
}) => {
  test.setTimeout(90_000); // ten routes and three pages, each waiting on a database that never answers
  const deadPort = await freePort();
  const parts = { user: "warden_leak_user", password: "leak-secret-4711", database: "warden_leak_db", port: String(deadPort) };
  const server = await startServer({
    DATABASE_URL: `postgres://${parts.user}@127.0.0.1:${parts.port}/${parts.database}?password=${parts.password}&sslmode=disable`,
    WARDEN_MIGRATE_ON_BOOT: "false",
  });
  try {
    const seen: string[] = [];
    const record = async (what: string, response: Response) => {
      const headers = [...response.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
      seen.push(`${what} → ${response.status}\n${headers}\n${await response.text()}`);
    };
    for (const path of [
      "/api/health",
      "/api/security/status",
      "/api/security/drift",
      "/api/session",
      "/api/migrations",
      "/login",
      "/migrations",
      "/security",
      "/setup",
    ]) {
      await record(`GET ${path}`, await fetch(`${server.url}${path}`));
    }
    await record("POST /api/auth/login", await login(server, "admin"));
    // What the browser renders, after its scripts ran and its polls answered.
    for (const path of ["/migrations", "/security", "/login"]) {
      // Each page polls /api/health from the browser: captured once that answer has arrived and the
      // page has handled it (the browser has nothing left to do).
      const polled = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/health");
      await page.goto(`${server.url}${path}`);
      await (await polled).finished();
      await page.evaluate(() => new Promise<void>((resolve) => requestIdleCallback(() => resolve())));
      seen.push(`page ${path}: ${await page.content()}`);
    }
    const everything = seen.join("\n\n");
    expect(everything).toContain("database unreachable: connection refused");
    const { port, ...words } = parts;
    for (const [name, value] of Object.entries(words)) expect(everything.includes(value), `the ${name} (${value}) appears in a response`).toBe(false);
    // The port as a port (a bare 5-digit number can occur by chance in a nonce or an id).
    for (const form of [`:${port}`, `port ${port}`]) expect(everything, `the port appears in a response as "${form}"`).not.toContain(form);

    const log = server.output();
    expect(log).toContain(`127.0.0.1:${parts.port}/${parts.database}`);
    expect(log).not.toContain(parts.password);
  } finally {
    await server.stop();
  }
});

test("@server first run without WARDEN_SETUP_TOKEN: a generated one-time link in the log and a 0600 file; the token only counts in the form; used once, then gone", async ({
  page,
}) => {
  test.setTimeout(60_000);
  const server = await startServer();
  try {
    await expect.poll(() => server.output()).toContain('"event":"setup_token"');
    const line = server
      .output()
      .split("\n")
      .find((l) => l.includes('"event":"setup_token"'))!;
    const { url } = JSON.parse(line) as { url: string };
    const token = new URL(url).searchParams.get("token")!;
    expect(url).toBe(`http://localhost:${new URL(server.url).port}/setup?token=${token}`);
    const file = join(server.dataDir, "setup-token");
    expect(readFileSync(file, "utf8").trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // The setup action with the right token only in the page's URL, not in the form: refused.
    const manifest = JSON.parse(readFileSync(join(process.cwd(), ".next/server/server-reference-manifest.json"), "utf8")) as {
      node: Record<string, { exportedName: string }>;
    };
    const [setupActionId] = Object.entries(manifest.node).find(([, entry]) => entry.exportedName === "setupAction")!;
    const password = "generated token passphrase";
    const misplaced = await fetch(`${server.url}/setup?token=${token}`, {
      method: "POST",
      headers: { "next-action": setupActionId, "content-type": "text/plain;charset=UTF-8", accept: "text/x-component", origin: server.url },
      body: JSON.stringify([{ username: "intruder", password, confirm: password }]),
    });
    expect(await misplaced.text()).toContain('"code":"UNAUTHENTICATED"');

    await page.goto(`${server.url}/setup?token=${token}`);
    await page.getByLabel("Username").fill("first");
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByLabel("Confirm password").fill(password);
    await page.getByRole("button", { name: "Create admin and sign in" }).click();
    await expect(page).toHaveURL(/\/security$/);
    expect(existsSync(file)).toBe(false);
    expect((await page.goto(`${server.url}/setup?token=${token}`))?.status()).toBe(404);
  } finally {
    await server.stop();
  }
});

/** An admin on a spawned server, made as a headless install would: `npm run cli -- create-admin` (password on stdin). */
function createAdmin(server: SpawnedServer, { username, password }: { username: string; password: string }): void {
  const created = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "lib/cli/main.ts", "create-admin", username], {
    env: { ...process.env, DATABASE_URL: server.databaseUrl, WARDEN_DATA_DIR: server.dataDir, WARDEN_LOG_LEVEL: "error" },
    input: `${password}\n`,
    encoding: "utf8",
  });
  expect(created.status, created.stderr).toBe(0);
}

const signIn = (server: SpawnedServer, credentials: { username: string; password: string }, forwardedFor: string) =>
  fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify(credentials),
  });

test("@server sign-in throttle: guesses from 24 other addresses reach the account's ceiling and unknown clients get 429 at once, but the admin's browser (device cookie) signs in from a new address", async ({
  browser,
}) => {
  // 20 password hashes, a CLI run and two sign-ins in a browser: more than the default 30 s on a busy machine.
  test.setTimeout(120_000);
  // Behind a trusted proxy (127.0.0.1) every request names its client; a ceiling of 20 failures an hour.
  const server = await startServer({ WARDEN_TRUSTED_PROXIES: "127.0.0.1", WARDEN_LOGIN_ACCOUNT_CEILING: "20" });
  const admin = { username: "throttle-admin", password: "throttle admin passphrase" };
  const context = await browser.newContext({ baseURL: server.url, extraHTTPHeaders: { "x-forwarded-for": "203.0.113.10" } });
  try {
    createAdmin(server, admin);
    const page = await context.newPage();
    await page.goto("/login");
    expect(await submitLogin(page, admin)).toBe(200);
    await expect(page).toHaveURL(/\/security$/);
    expect((await context.cookies()).find((c) => c.name === "warden.device")).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    // The session ends; the browser keeps its device cookie.
    await context.clearCookies({ name: "warden.session_token" });

    // An attacker without the password: one guess from each of 127.0.0.2–25. The 21st on is refused.
    const statuses: number[] = [];
    for (let host = 2; host <= 25; host++) statuses.push((await signIn(server, { ...admin, password: `guess ${host}` }, `127.0.0.${host}`)).status);
    expect(statuses).toEqual([...Array(20).fill(401), ...Array(4).fill(429)]);

    // A client the account does not know is refused at once, even with the right password, and told when to retry.
    const started = performance.now();
    const refused = await signIn(server, admin, "203.0.113.11");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3000);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.headers.get("set-cookie")).toBeNull();

    // The admin's browser, from that same new address, signs in through the form.
    await context.setExtraHTTPHeaders({ "x-forwarded-for": "203.0.113.11" });
    await page.goto("/login");
    expect(await submitLogin(page, admin)).toBe(200);
    await expect(page).toHaveURL(/\/security$/);
    await expect(page.getByTestId("signed-in-as")).toContainText(admin.username);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("@server a bad sign-in throttle setting stops the server at boot, naming the variable", async () => {
  const refused = await startRefused({ WARDEN_LOGIN_ACCOUNT_CEILING: "lots" });
  expect(refused.code).toBe(1);
  expect(refused.output).toContain("WARDEN_LOGIN_ACCOUNT_CEILING");
});
