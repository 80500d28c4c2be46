import { expect, test } from "@playwright/test";

test("the signed-in shell works at phone width", async ({ page }) => {
  await page.goto("/signup");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const form = page.getByTestId("signup-form");
  await form.getByLabel("Your name").fill("Pat Phone");
  await form.getByLabel("Email").fill(`pat+${Date.now()}@example.com`);
  await form.locator("input[name=password]").fill("correct horse battery");
  await form.getByLabel("Workspace name").fill("Pocket");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);

  const sidebar = page.getByTestId("sidebar");
  await expect(sidebar).toBeHidden();
  await page.getByTestId("menu-toggle").click();
  await expect(sidebar).toBeVisible();
  await sidebar.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();
  await expect(sidebar).toBeHidden();
  await expect(page.getByTestId("member-role-select")).toHaveValue("owner");
  await expect(page.getByTestId("member-role-select")).toBeVisible();
});
