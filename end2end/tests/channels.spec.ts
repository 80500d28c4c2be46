import { expect, test } from "@playwright/test";

const password = "correct horse battery";

// Sign-ups are limited per address per hour and the suite makes several:
// this journey signs up once and does everything as that person.
test("a newcomer connects the demo channel, then a stand-in Instagram account through Facebook's sign-in", async ({
  page,
}) => {
  const stamp = Date.now();
  await page.goto("/signup");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const form = page.getByTestId("signup-form");
  await form.getByLabel("Your name").fill("Cleo Channels");
  await form.getByLabel("Email").fill(`cleo+${stamp}@example.com`);
  await form.locator("input[name=password]").fill(password);
  await form.getByLabel("Workspace name").fill("Cleo's Cakes");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);

  await page.getByRole("link", { name: "Channels" }).first().click();
  await expect(page.getByTestId("channel-room")).toHaveText("0 of 1 social account in use.");
  await page.getByRole("button", { name: "Connect the demo channel" }).click();
  await expect(page.getByTestId("channel")).toContainText("Demo channel");
  await expect(page.getByTestId("demo-card")).toContainText("Connected above.");

  // Facebook's sign-in (a stand-in here) lists two Pages and one linked
  // Instagram account; the free plan has room for none of them now.
  await page.getByRole("button", { name: "Connect Facebook and Instagram" }).click();
  await expect(page.getByText("This is not Facebook.")).toBeVisible();
  await page.getByRole("link", { name: "Allow" }).click();
  await expect(page).toHaveURL(/\/app\/channels\/pick$/);
  await expect(page.getByTestId("pick-candidate")).toHaveCount(3);
  await expect(page.getByTestId("pick-room")).toContainText("no room for more accounts");
  await page.getByRole("button", { name: "Connect the ticked accounts" }).click();
  await expect(page.getByTestId("form-error")).toContainText("Your plan allows 1 social account");

  // Make room: disconnect the demo channel, then pick only Instagram.
  await page.goto("/app/channels");
  await page.getByTestId("disconnect-channel").locator("summary").click();
  await page.getByRole("button", { name: "Yes, disconnect" }).click();
  await expect(page.getByTestId("channel-room")).toHaveText("0 of 1 social account in use.");
  await page.goto("/app/channels/pick");
  await page.locator("#pick-facebook-1010").uncheck();
  await page.locator("#pick-facebook-1020").uncheck();
  await page.getByRole("button", { name: "Connect the ticked accounts" }).click();
  await expect(page).toHaveURL(/\/app\/channels\?notice=connected$/);
  await expect(page.getByTestId("channel-notice")).toBeVisible();
  const instagram = page.getByTestId("channel").filter({ hasText: "@standin.bakery" });
  await expect(instagram).toContainText("Connected");
  await expect(page.getByTestId("channel-room")).toHaveText("1 of 1 social account in use.");
});
