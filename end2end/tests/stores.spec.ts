import { expect, type Locator, type Page, test } from "@playwright/test";

const password = "correct horse battery";

// Its own address, like the channels journey: sign-ups are limited per
// address and the rest of the suite uses loopback's.
test.use({ extraHTTPHeaders: { "x-forwarded-for": "192.0.2.15" } });

test("a merchant connects the demo store, sets a margin rule, runs, approves two proposals and sees the new prices and the trail", async ({
  page,
}) => {
  const stamp = Date.now();
  await page.goto("/signup");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const form = page.getByTestId("signup-form");
  await form.getByLabel("Your name").fill("Sara Stores");
  await form.getByLabel("Email").fill(`sara+${stamp}@example.com`);
  await form.locator("input[name=password]").fill(password);
  await form.getByLabel("Workspace name").fill("Sara's Spices");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);

  await page.getByRole("link", { name: "Stores" }).first().click();
  await expect(page.getByTestId("store-room")).toHaveText("0 of 1 store in use.");
  await page.getByTestId("connect-demo-store").click();
  const store = page.getByTestId("store");
  await expect(store).toContainText("Demo store");
  await expect(store.getByTestId("store-detail")).toContainText("12 products");

  // A margin rule: at least 25% over cost, beating the lowest price by 1%.
  await store.getByRole("link", { name: "Rules" }).click();
  const rules = page.getByTestId("store-rules");
  await rules.getByLabel("Minimum margin over cost (%)").fill("25");
  await rules.getByLabel("Strategy").selectOption("beat_percent");
  await rules.getByLabel("By (amount, or % for percentages and bands)").fill("1");
  await rules.getByLabel("Largest change per run (%)").fill("30");
  await rules.getByLabel("Risk tolerance").selectOption("high");
  await rules.getByTestId("save-rules").click();
  await expect(page.getByTestId("store-rules").getByLabel("Minimum margin over cost (%)")).toHaveValue("25");

  // Read the (invented) competitor prices, then run; the page shows the
  // progress of each until it is done.
  await page.goto("/app/stores");
  await submit(page, "/api/stores/competitors/read", page.getByRole("button", { name: "Read competitor prices" }));
  await storesPageUntil(page, (html) => !html.includes('data-testid="reading-prices"'));
  await page.goto("/app/stores");
  await submit(page, "/api/stores/run", page.getByTestId("run-pricing"));
  await storesPageUntil(page, (html) => /data-testid="last-run" data-state="done"/.test(html));
  await page.goto("/app/stores");
  await expect(page.getByTestId("last-run")).toContainText("12 analysed");

  // Two proposals approved, one by one, from the review queue.
  await page.getByTestId("waiting-proposals").click();
  const proposals = page.locator('[data-testid="decision"][data-outcome="proposed"]');
  const waiting = await proposals.count();
  expect(waiting).toBeGreaterThanOrEqual(2);
  const changes: string[] = [];
  for (let i = 0; i < 2; i++) {
    const first = proposals.first();
    changes.push((await first.getByTestId("decision-change").innerText()).replace(" proposed", ""));
    await first.getByTestId("approve-decision").click();
    await expect(proposals).toHaveCount(waiting - i - 1);
  }

  // The trail shows both as applied, with the prices they moved to.
  await page.goto("/app/stores/decisions?outcome=applied");
  const applied = page.locator('[data-testid="decision"][data-outcome="applied"]');
  await expect(applied).toHaveCount(2);
  for (const change of changes) {
    await expect(page.getByTestId("decisions")).toContainText(change);
  }
  await expect(applied.first()).toContainText("Rule: beat the lowest competitor");

  // The products list shows the new prices, and the product page draws them.
  const newPrice = changes[0].split(" → ")[1];
  await page.goto("/app/stores");
  await page.getByTestId("store").getByRole("link", { name: "Products" }).click();
  await expect(page.getByTestId("products")).toContainText(newPrice);
  await page.getByTestId("product").first().getByRole("link").first().click();
  await expect(page.getByTestId("price-history").locator("svg")).toBeVisible();
  await expect(page.getByTestId("competitor")).toHaveCount(2);
});

/// Clicks a plain form's button and waits for its post to be answered.
async function submit(page: Page, endpoint: string, button: Locator) {
  await Promise.all([page.waitForResponse((r) => r.url().includes(endpoint)), button.click()]);
  await page.waitForLoadState("load");
}

/// The Stores page refreshes itself while work is under way; the test asks
/// the server for the page beside the browser instead, so its checks never
/// race that refresh.
async function storesPageUntil(page: Page, done: (html: string) => boolean) {
  await expect
    .poll(async () => done(await (await page.request.get("/app/stores")).text()), {
      timeout: 30_000,
      intervals: [250, 500, 1_000],
    })
    .toBe(true);
}
