import { defineConfig, devices } from "@playwright/test";
import * as os from "os";
import * as path from "path";

// The release server built by `cargo leptos build --release`, started on its
// own port with a fresh SQLite file, so a running dev server is untouched.
const port = process.env.E2E_PORT ?? "3100";
export const wpPort = process.env.E2E_FAKE_WP_PORT ?? "3199";
// The Meta and TikTok stand-ins (`autopilot stand-ins`).
const metaPort = process.env.E2E_META_PORT ?? "3198";
const tiktokPort = process.env.E2E_TIKTOK_PORT ?? "3197";
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache", "autopilot", "target");
// Set once in the runner; workers inherit it, so tests reach the same database.
process.env.E2E_DATABASE_URL ??= `sqlite://${path.join(os.tmpdir(), `autopilot-e2e-${Date.now()}.db`)}?mode=rwc`;
process.env.E2E_SERVER_BIN ??= path.join(targetDir, "release", "autopilot");

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"] }, testIgnore: /phone\.spec\.ts/ },
    { name: "phone", use: { ...devices["Pixel 7"] }, testMatch: /phone\.spec\.ts/ },
  ],
  webServer: [{
    // The fake WordPress the automation journey connects a site to.
    command: process.env.E2E_FAKE_WP_BIN ?? path.join(targetDir, "release", "examples", "fake_wordpress"),
    url: `http://127.0.0.1:${wpPort}/`,
    timeout: 30_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: { FAKE_WP_ADDR: `127.0.0.1:${wpPort}` },
  }, {
    command: `${process.env.E2E_SERVER_BIN} stand-ins 127.0.0.1:${metaPort} 127.0.0.1:${tiktokPort}`,
    url: `http://127.0.0.1:${metaPort}/`,
    timeout: 30_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  }, {
    command: process.env.E2E_SERVER_BIN,
    cwd: "..",
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      BIND_ADDR: `127.0.0.1:${port}`,
      APP_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      LEPTOS_SITE_ROOT: "target/site",
      RUST_LOG: "warn",
      SECRET_KEY: "e2e-secret-key-that-is-at-least-32-bytes",
      // The fake WordPress listens on 127.0.0.1, which production refuses.
      OUTBOUND_ALLOW_PRIVATE: "true",
      WORKER_POLL_SECONDS: "0.5",
      META_APP_ID: "standin-app",
      META_APP_SECRET: "standin-app-secret",
      META_GRAPH_BASE: `http://127.0.0.1:${metaPort}/v25.0`,
      META_DIALOG_URL: `http://127.0.0.1:${metaPort}/v25.0/dialog/oauth`,
      TIKTOK_CLIENT_KEY: "standin-app",
      TIKTOK_CLIENT_SECRET: "standin-app-secret",
      TIKTOK_API_BASE: `http://127.0.0.1:${tiktokPort}`,
      TIKTOK_AUTH_URL: `http://127.0.0.1:${tiktokPort}/v2/auth/authorize/`,
      // As behind a proxy: a journey that must not share the one loopback
      // address's sign-up allowance (ten an hour) sends X-Forwarded-For.
      TRUST_X_FORWARDED_FOR: "true",
    },
  }],
});
