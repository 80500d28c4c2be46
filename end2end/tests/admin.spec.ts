import { Browser, expect, Page, test } from "@playwright/test";
import { execFileSync } from "child_process";

const password = "correct horse battery";

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Signs up in a browser of its own and returns its page. */
async function signUp(browser: Browser, email: string, workspace: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/signup");
  await hydrated(page);
  const form = page.getByTestId("signup-form");
  await form.getByLabel("Your name").fill(email.split("@")[0]);
  await form.getByLabel("Email").fill(email);
  await form.locator("input[name=password]").fill(password);
  await form.getByLabel("Workspace name").fill(workspace);
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);
  return page;
}

/** The operator's command line makes a platform admin. */
function grantAdmin(email: string) {
  execFileSync(process.env.E2E_SERVER_BIN!, ["admin", "grant", email], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, RUST_LOG: "error" },
  });
}

test("an admin suspends a user, whose next click lands on the log-in page with a message", async ({ browser }) => {
  const stamp = Date.now();
  const victim = `vic+${stamp}@example.com`;
  const adminEmail = `ops+${stamp}@example.com`;
  const user = await signUp(browser, victim, "Victim Blog");
  const admin = await signUp(browser, adminEmail, "Operations");
  grantAdmin(adminEmail);

  await admin.goto("/app");
  await admin.getByRole("link", { name: "Admin" }).click();
  await expect(admin.getByTestId("chart-plans")).toBeVisible();
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByLabel("Search users").fill(victim);
  await admin.getByRole("button", { name: "Filter" }).click();
  await hydrated(admin);
  const row = admin.getByTestId("admin-user-row");
  await expect(row).toHaveCount(1);
  await row.getByLabel("Reason").fill("Spam reported by readers");
  await row.getByTestId("user-suspend").click();
  await expect(row).toContainText("Suspended: Spam reported by readers");

  await user.getByRole("link", { name: "Content" }).click();
  await expect(user).toHaveURL(/\/login\?notice=suspended$/);
  await expect(user.getByTestId("login-notice")).toContainText("this account has been suspended");

  await hydrated(user);
  const login = user.getByTestId("login-form");
  await login.getByLabel("Email").fill(victim);
  await login.locator("input[name=password]").fill(password);
  await login.getByRole("button", { name: "Log in" }).click();
  await expect(user.getByRole("alert").last()).toContainText("This account is suspended");
});
