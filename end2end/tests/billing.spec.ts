import { expect, test, type Page } from "@playwright/test";

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

// With no Stripe account configured the billing page runs in test mode:
// upgrading applies at once and the new limits show on the page.
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

  await page.goto("/app");
  await expect(page.getByTestId("Posts this month")).toHaveText("0 of 200");
});
