import { defineConfig, devices } from "@playwright/test";

// Playwright cannot download browsers here: Debian's Chromium is launched by path (.ci/run installs it).
const CHROMIUM = process.env.WARDEN_CHROMIUM ?? "/usr/bin/chromium";
const PORT = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  // The security config is one row shared by every test: run them one after another.
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 7_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: CHROMIUM,
      // Without the networking flags Chromium keeps trying hosts this machine cannot reach.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 900 } } }],
  webServer: {
    command: "node scripts/e2e-server.mjs",
    url: `http://127.0.0.1:${PORT}/api/health/live`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: { DATABASE_URL: "file:./data/e2e.db", E2E_PORT: String(PORT), WARDEN_LOG_LEVEL: "warn" },
  },
});
