import { expect, Page, test } from "@playwright/test";

const password = "correct horse battery";

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

test.describe.configure({ mode: "serial" });

test("landing page shows the three plans", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  for (const plan of ["free", "pro", "agency"]) {
    await expect(page.getByTestId(`plan-${plan}`)).toBeVisible();
  }
  await expect(page.getByTestId("plan-pro")).toContainText("200 posts a month");
  await expect(page.getByTestId("plan-agency")).toContainText("$99");
});

test("sign up, log out, log in, add a workspace and switch", async ({ page }) => {
  const email = `ada+${Date.now()}@example.com`;

  await page.goto("/signup");
  await hydrated(page);
  const form = page.getByTestId("signup-form");
  await form.getByLabel("Your name").fill("Ada Lovelace");
  await form.getByLabel("Email").fill(email);
  const passwordInput = form.locator("input[name=password]");
  await passwordInput.fill(password);
  // Only works once hydrated: the Show/Hide toggle is client-side state.
  await expect(passwordInput).toHaveAttribute("type", "password");
  await form.getByTestId("toggle-password").click();
  await expect(passwordInput).toHaveAttribute("type", "text");
  await form.getByLabel("Workspace name").fill("Acme Blog");
  await form.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/app$/);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByTestId("Plan")).toHaveText("Free");
  await expect(page.getByTestId("Members")).toHaveText("1 of 1");
  await expect(page.getByTestId("get-started")).toContainText("Connect a WordPress site");
  await expect(page.getByTestId("user-email")).toHaveText(email);

  // Analytics draws its charts even before anything has been published.
  await page.getByRole("link", { name: "Analytics" }).click();
  await expect(page).toHaveURL(/\/app\/analytics\?tz=/);
  const chart = page.getByTestId("chart-published");
  // One drawing for wide screens and one for phones; the one shown names the chart.
  const drawing = chart.locator("svg:visible");
  await expect(drawing).toHaveCount(1);
  await expect(drawing).toHaveAttribute("aria-label", /0 posts published/);
  await expect(chart).toContainText("Nothing yet in this period");
  await expect(page.getByTestId("quota-forecast")).toContainText("No posts yet this month");
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/app");
  await expect(page).toHaveURL(/\/login$/);

  await hydrated(page);
  const login = page.getByTestId("login-form");
  await login.getByLabel("Email").fill(email);
  await login.locator("input[name=password]").fill("wrong password");
  await login.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
  await login.locator("input[name=password]").fill(password);
  await login.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/app$/);
  await hydrated(page);

  await page.getByRole("link", { name: "+ New workspace" }).click();
  const create = page.getByTestId("new-workspace-form");
  await create.getByLabel("Workspace name").fill("Blue Bakery");
  await create.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(/\/app$/);
  const switcher = page.getByTestId("workspace-switcher");
  await expect(switcher.locator("option:checked")).toHaveText("Blue Bakery");
  await expect(page.getByTestId("Plan")).toBeVisible();
  await expect(page.getByText("Workspace “Blue Bakery”")).toBeVisible();

  // Switching is a client-side change handler: it needs the hydrated page.
  await switcher.selectOption({ label: "Acme Blog" });
  await expect(switcher.locator("option:checked")).toHaveText("Acme Blog");
  await expect(page.getByText("Workspace “Acme Blog”")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("workspace-switcher").locator("option:checked")).toHaveText("Acme Blog");
});

test("password reset page refuses a bad link with a clear message", async ({ page }) => {
  await page.goto("/reset-password?token=not-a-real-token");
  await hydrated(page);
  await page.locator("input[name=password]").fill("a brand new secret");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByRole("alert")).toContainText("invalid, used or expired");
});
