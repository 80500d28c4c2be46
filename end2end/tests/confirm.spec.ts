import { expect, test } from "@playwright/test";
import { execFileSync } from "child_process";

// With no SMTP_URL, mail is kept in the outbox: read it the way an operator
// would, with `autopilot admin outbox`.
/** Links to `path` mailed to `email`, newest first. */
function linksTo(email: string, path: string): string[] {
  const out = execFileSync(process.env.E2E_SERVER_BIN!, ["admin", "outbox", "20"], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, RUST_LOG: "error" },
    encoding: "utf8",
  });
  return out
    .split("--- ")
    .filter((m) => m.includes(`to ${email}`))
    .map((m) => m.match(/https?:\/\/\S+/)?.[0])
    .filter((l): l is string => !!l && l.includes(path))
    .map((l) => new URL(l).pathname + new URL(l).search);
}

test("a new user confirms their email from the mailed link", async ({ page }) => {
  const email = `conf+${Date.now()}@example.com`;
  await page.goto("/signup");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const form = page.getByTestId("signup-form");
  await form.getByLabel("Your name").fill("Cora Confirm");
  await form.getByLabel("Email").fill(email);
  await form.locator("input[name=password]").fill("correct horse battery");
  await form.getByLabel("Workspace name").fill("Confirmed Co");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);

  const banner = page.getByTestId("verify-banner");
  await expect(banner).toContainText(email);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await banner.getByRole("button", { name: "Send it again" }).click();
  await expect(banner.getByRole("status")).toHaveText("Sent. Check your inbox.");

  // The sign-up mail and the one sent again; only the newest link works.
  await expect.poll(() => linksTo(email, "/verify-email").length).toBe(2);
  await page.goto(linksTo(email, "/verify-email")[0]);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.getByTestId("verify-banner")).toHaveCount(0);
});
