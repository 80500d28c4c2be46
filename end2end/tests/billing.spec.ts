import { expect, test, type Page } from "@playwright/test";

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

// With no Stripe account configured the billing page runs in test mode:
// upgrading applies at once and the new limits show on the page; going
// down asks for confirmation first.
test("upgrade in test mode and see the new limits", async ({ page }) => {
  await page.goto("/signup");
  await hydrated(page);
  const signup = page.getByTestId("signup-form");
  await signup.getByLabel("Your name").fill("Bea Buyer");
  await signup.getByLabel("Email").fill(`billing+${Date.now()}@example.com`);
  await signup.locator("input[name=password]").fill("correct horse battery");
  await signup.getByLabel("Workspace name").fill("Bakery Co");
  await signup.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);

  await page.goto("/app/billing");
  await hydrated(page);
  await expect(page.getByTestId("test-mode")).toBeVisible();
  await expect(page.getByTestId("current-plan")).toHaveText("Free");
  await expect(page.getByTestId("Posts this month")).toHaveText("0 of 10");
  await expect(page.getByTestId("Sites")).toHaveText("0 of 1");
  await expect(page.getByTestId("no-invoices")).toBeVisible();

  await page.getByRole("button", { name: "Upgrade to Pro" }).click();
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");
  await expect(page.getByTestId("plan-status")).toHaveText("Active (test mode)");
  await expect(page.getByTestId("Posts this month")).toHaveText("0 of 200");
  await expect(page.getByTestId("Sites")).toHaveText("0 of 5");
  await expect(page.getByTestId("Members")).toHaveText("1 of 5");
  await expect(page.getByRole("button", { name: "Current plan" })).toBeDisabled();

  await hydrated(page);
  await page.getByRole("button", { name: "Upgrade to Agency" }).click();
  await expect(page.getByTestId("current-plan")).toHaveText("Agency");
  await hydrated(page);
  await expect(page.getByTestId("Posts this month")).toHaveText("0 of 2,000");

  // Going down asks first: keeping the plan changes nothing.
  await page.getByRole("button", { name: "Switch to Pro" }).click();
  const confirm = page.getByTestId("confirm-downgrade");
  await expect(confirm).toContainText("200 posts a month, 5 WordPress sites, 5 team members");
  await confirm.getByRole("button", { name: "Keep my plan" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId("current-plan")).toHaveText("Agency");
  await page.getByRole("button", { name: "Switch to Pro" }).click();
  await confirm.getByRole("button", { name: "Yes, switch to Pro" }).click();
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");

  await page.goto("/app");
  await expect(page.getByTestId("Posts this month")).toHaveText("0 of 200");
});
