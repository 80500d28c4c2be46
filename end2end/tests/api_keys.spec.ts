import { expect, Page, request, test } from "@playwright/test";

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

test("a member creates an API key, a program uses it, and revoking it ends it", async ({ page, baseURL }) => {
  await page.goto("/signup");
  await hydrated(page);
  const signup = page.getByTestId("signup-form");
  await signup.getByLabel("Your name").fill("Kim Keys");
  const email = `kim+${Date.now()}@example.com`;
  await signup.getByLabel("Email").fill(email);
  await signup.locator("input[name=password]").fill("correct horse battery");
  await signup.getByLabel("Workspace name").fill("Keyed Co");
  await signup.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);

  await page.getByRole("link", { name: "API keys" }).first().click();
  await expect(page.getByText("No keys yet.")).toBeVisible();
  await hydrated(page);
  const form = page.getByTestId("api-key-form");
  await form.getByLabel("Name").fill("Reporting script");
  await form.getByLabel("Access").selectOption("read");
  await form.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-key").getByLabel("The new key");
  await expect(shown).toHaveValue(/^ap_live_[0-9a-f]{64}$/);
  const key = await shown.inputValue();

  // A program with nothing but the key: no cookies, no Origin.
  const program = await request.newContext({ baseURL });
  const sites = await program.get("/api/v1/sites", { headers: { Authorization: `Bearer ${key}` } });
  expect(sites.status()).toBe(200);
  expect(await sites.json()).toEqual({ data: [], next_cursor: null });
  expect(Number(sites.headers()["ratelimit-limit"])).toBeGreaterThan(0);
  expect(Number(sites.headers()["ratelimit-remaining"])).toBeGreaterThanOrEqual(0);

  await page.getByRole("link", { name: "Done" }).click();
  const row = page.getByTestId("api-key");
  await expect(row).toContainText("Reporting script");
  await expect(row).toContainText(key.slice(0, 16) + "…");
  await expect(row).toContainText("Last used");
  await expect(page.getByText(key)).toHaveCount(0);
  await hydrated(page);
  await row.getByText("Revoke", { exact: true }).click();
  await row.getByRole("alertdialog").getByRole("button", { name: "Yes, revoke" }).click();
  await expect(page.getByTestId("api-key")).toContainText("Revoked");

  const after = await program.get("/api/v1/sites", { headers: { Authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);
  expect((await after.json()).error.code).toBe("unauthorized");

  // The reference is linked from the page and lists the routes a key can call.
  await page.getByRole("link", { name: "API reference" }).click();
  await expect(page.getByRole("heading", { name: /Autopilot API/ })).toBeVisible();
  await expect(page.getByTestId("operation").filter({ hasText: "/api/v1/sites/{id}/start" })).toBeVisible();

  // A program may also sign in with the password: its refresh token
  // rotates, and revoking ends the sign-in.
  const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
  const login = await program.post("/api/v1/auth/login", { data: { email, password: "correct horse battery" } });
  expect(login.status()).toBe(200);
  const first = await login.json();
  expect((await program.get("/api/v1/billing/usage", bearer(first.access_token))).status()).toBe(200);
  const renewed = await program.post("/api/v1/auth/refresh", { data: { refresh_token: first.refresh_token } });
  expect(renewed.status()).toBe(200);
  const second = await renewed.json();
  expect(second.refresh_token).not.toBe(first.refresh_token);
  const revoked = await program.post("/api/v1/auth/revoke", { data: { refresh_token: second.refresh_token } });
  expect(revoked.status()).toBe(204);
  expect((await program.get("/api/v1/billing/usage", bearer(second.access_token))).status()).toBe(401);
});
