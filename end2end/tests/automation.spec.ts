import { expect, test, type Page } from "@playwright/test";
import { wpPort } from "../playwright.config";

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

// Connect a site (the fake WordPress started beside the app), write a post
// now, approve it, and follow it to its published link without reloading.
test("add a site, run now, approve, see the published link", async ({ page }) => {
  const email = `auto+${Date.now()}@example.com`;
  await page.goto("/signup");
  await hydrated(page);
  const signup = page.getByTestId("signup-form");
  await signup.getByLabel("Your name").fill("Wren Writer");
  await signup.getByLabel("Email").fill(email);
  await signup.locator("input[name=password]").fill("correct horse battery");
  await signup.getByLabel("Workspace name").fill("Garden Co");
  await signup.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.getByTestId("Posts this month")).toHaveText("0 of 10");

  await page.goto("/app/sites");
  await hydrated(page);
  await expect(page.getByTestId("no-sites")).toBeVisible();
  const add = page.getByTestId("add-site-form");
  await add.getByLabel("Name", { exact: true }).fill("Garden blog");
  await add.getByLabel("Address").fill(`http://127.0.0.1:${wpPort}`);
  await add.getByLabel("WordPress username").fill("editor");
  await add.getByLabel("Application password").fill("abcd EFGH ijkl MNOP qrst UVWX");
  await add.getByRole("button", { name: "Add site" }).click();
  await expect(page).toHaveURL(/\/app\/sites\/[0-9a-f-]+$/);
  await expect(page.getByRole("heading", { name: "Garden blog" })).toBeVisible();
  await expect(page.locator("input[name=password]")).toHaveValue("");

  await hydrated(page);
  const badge = page.getByTestId("site-actions").getByTestId("connection");
  await expect(badge).toHaveText("Not tested");
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("connection-result")).toContainText("Connected");
  await expect(badge).toHaveText("Connected");
  await expect(page.getByTestId("connection-result")).toContainText("Edna Editor");

  // One post a day twelve hours from now (Berlin time), so no scheduled
  // slot falls due while the journey runs and only "Run now" writes a post.
  const berlinHour = Number(
    new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", hourCycle: "h23" }).format(new Date()),
  );
  const slot = `${String((berlinHour + 12) % 24).padStart(2, "0")}:00`;
  const settings = page.getByTestId("settings-form");
  await settings.getByLabel("Niche").fill("Home gardening");
  await settings.getByLabel("Time zone (IANA)").fill("Europe/Berlin");
  await settings.getByLabel("Times (24h, comma separated)").fill(slot);
  await settings.getByLabel("Time zone (IANA)").press("Tab");
  await expect(page.getByTestId("next-runs").locator("tbody tr")).toHaveCount(5);
  await expect(page.getByTestId("next-runs")).toContainText(new RegExp(`${slot} CES?T`));
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved.")).toBeVisible();

  await page.getByRole("button", { name: "Start automation" }).click();
  await expect(page.getByRole("button", { name: "Stop automation" })).toBeVisible();

  // A second tab watches every job; it is never reloaded from here on, so
  // each change it shows arrives by itself.
  const watcher = await page.context().newPage();
  await watcher.goto("/app/content?list=all");
  await hydrated(watcher);
  await expect(watcher.getByTestId("empty-list")).toBeVisible();

  await hydrated(page);
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("run-queued")).toBeVisible();

  const row = watcher.getByTestId("job-row").first();
  await expect(row).toHaveAttribute("data-step", "awaiting_review", { timeout: 30_000 });
  await expect(row.getByTestId("step")).toHaveText("Awaiting review");
  await row.getByRole("button", { name: "Approve" }).click();
  await expect(row).toHaveAttribute("data-step", "published", { timeout: 30_000 });
  const link = row.getByTestId("published-link");
  await expect(link).toHaveAttribute("href", new RegExp(`^http://127\\.0\\.0\\.1:${wpPort}/`));

  await page.goto("/app/content?list=published");
  await hydrated(page);
  await expect(page.getByTestId("published-link")).toHaveCount(1);
  await page.goto("/app/content?list=active");
  await expect(page.getByTestId("planned-run").first()).toContainText("Garden blog");

  await page.goto("/app");
  await expect(page.getByTestId("Posts this month")).toHaveText("1 of 10");
  await page.goto("/app/calendar");
  await expect(page).toHaveURL(/tz=/);
  await expect(page.getByTestId("calendar-entry").first()).toBeVisible();
});
