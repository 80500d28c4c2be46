import { expect, type Page, test } from "@playwright/test";

const password = "correct horse battery";

// Sign-ups are limited to ten an hour per address and the rest of the suite
// makes ten from loopback: this journey comes from its own address, as a
// visitor behind the operator's proxy would (the e2e server trusts
// X-Forwarded-For), and signs up once.
test.use({ extraHTTPHeaders: { "x-forwarded-for": "192.0.2.14" } });

test("a newcomer connects the demo channel and a stand-in Instagram account, then writes, approves and publishes a post", async ({
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

  // A photo for the post, drawn by the browser itself.
  const photo = await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 320;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "#f9a8d4";
    ctx.fillRect(0, 0, 320, 320);
    ctx.fillStyle = "#831843";
    ctx.font = "bold 48px sans-serif";
    ctx.fillText("Rose cake", 40, 175);
    return canvas.toDataURL("image/jpeg", 0.85).split(",")[1];
  });

  // Write the caption from a product, attach the photo, send it for review.
  await page.goto("/app/social/compose");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("caption-writer").locator("summary").click();
  await page.getByLabel("Product name").fill("Rose cake");
  await page.getByLabel("Price").fill("SAR 49");
  await page.getByTestId("write-caption").click();
  await expect(page.getByTestId("composer-body")).toHaveValue(/Rose cake/);
  await page.getByTestId("composer-file").setInputFiles({
    name: "cake.jpg",
    mimeType: "image/jpeg",
    buffer: Buffer.from(photo, "base64"),
  });
  await expect(page.getByTestId("composer-media")).toBeVisible();
  const preview = page.locator('[data-testid="preview"][data-platform="instagram"]');
  await expect(preview.getByTestId("preview-caption")).toContainText("#rose");
  // Now, in the workspace's zone (UTC until someone changes it).
  await page.getByTestId("composer-when").fill(new Date().toISOString().slice(0, 16));
  await page.getByRole("button", { name: "Send for review" }).click();
  await expect(page).toHaveURL(/\/app\/social\?list=all/);

  // Approve it from the review queue; the job runner publishes it through
  // the Instagram stand-in, which fetches the photo from the app.
  await page.goto("/app/social?list=review");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("approve-social").click();
  await expect(page.getByTestId("empty-social-list")).toBeVisible();
  await page.goto("/app/social?list=all");
  const target = page.getByTestId("social-target");
  await expect(target).toHaveAttribute("data-state", "Published", { timeout: 30_000 });
  await expect(target.getByRole("link", { name: "View" })).toHaveAttribute("href", /^http:\/\/127\.0\.0\.1:/);

  // The calendar shows it, published, among Instagram's posts.
  // The calendar and Analytics add the browser's zone to their address once
  // (a reload), so each step waits for that before it reads or clicks.
  await openZoned(page, "/app/calendar?channel=instagram");
  const entry = page.locator('[data-testid="calendar-entry"][data-channel="instagram"]');
  await expect(entry).toContainText("Rose cake");
  await expect(entry.getByTestId("step")).toHaveText("Published");
  await openZoned(page, "/app/calendar?channel=wordpress");
  await expect(page.locator('[data-testid="calendar-entry"][data-channel="instagram"]')).toHaveCount(0);

  // Its metrics on Analytics: "Fetch now" reads them from the stand-in
  // (progress shows while it runs), then the page draws them.
  await openZoned(page, "/app/analytics");
  await page.getByTestId("fetch-metrics").getByRole("button", { name: "Fetch now" }).click();
  const row = page.getByTestId("social-post-metrics").filter({ hasText: "Rose cake" });
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText("Instagram");
  await expect(row.getByTestId("post-rate")).toHaveText(/^\d+\.\d\d%$/);
  await expect(page.getByTestId("chart-social-rates").locator("svg").first()).toBeAttached();
  await expect(page.getByTestId("chart-social-hours")).toBeVisible();
  await expect(page.getByTestId("best-hour")).toContainText("engaged best");
});

async function openZoned(page: Page, path: string) {
  await page.goto(path);
  await expect(page).toHaveURL(/[?&]tz=/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
