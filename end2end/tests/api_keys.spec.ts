import { expect, Page, request, test } from "@playwright/test";
import { createHmac } from "crypto";
import { createServer, IncomingHttpHeaders } from "http";
import { AddressInfo } from "net";

// Both journeys use one account: sign-ups are limited per address, and the
// whole suite comes from one.
test.describe.configure({ mode: "serial" });
const email = `kim+${Date.now()}@example.com`;
const password = "correct horse battery";

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

test("a member creates an API key, a program uses it, and revoking it ends it", async ({ page, baseURL }) => {
  await page.goto("/signup");
  await hydrated(page);
  const signup = page.getByTestId("signup-form");
  await signup.getByLabel("Your name").fill("Kim Keys");
  await signup.getByLabel("Email").fill(email);
  await signup.locator("input[name=password]").fill(password);
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
  const login = await program.post("/api/v1/auth/login", { data: { email, password } });
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

test("an admin adds a webhook endpoint, a plan change reaches it signed, and the log shows the delivery", async ({ page }) => {
  // A receiver on this machine (the e2e server allows local addresses).
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("thanks");
    });
  });
  await new Promise<void>((ready) => receiver.listen(0, "127.0.0.1", ready));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  try {
    await page.goto("/login");
    await hydrated(page);
    const login = page.getByTestId("login-form");
    await login.getByLabel("Email").fill(email);
    await login.locator("input[name=password]").fill(password);
    await login.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/app$/);

    await page.getByRole("link", { name: "Webhooks" }).first().click();
    await expect(page.getByText("No endpoints yet.")).toBeVisible();
    const form = page.getByTestId("webhook-form");
    // A bad address comes back with a plain error.
    await form.getByLabel("Address").fill("ftp://example.com/hooks");
    await form.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByTestId("form-error")).toContainText("https:// addresses only");

    await form.getByLabel("Address").fill(hookUrl);
    await form.getByLabel("Description (optional)").fill("Ops relay");
    await form.getByRole("checkbox", { name: "post.failed" }).uncheck();
    await form.getByRole("button", { name: "Add endpoint" }).click();
    const shown = page.getByTestId("new-key").getByLabel("The signing secret");
    await expect(shown).toHaveValue(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const secret = await shown.inputValue();
    await page.getByRole("link", { name: "Done" }).click();
    const endpoint = page.getByTestId("webhook-endpoint");
    await expect(endpoint).toContainText(hookUrl);
    await expect(endpoint).toContainText("Ops relay");
    await expect(endpoint).not.toContainText("post.failed");
    await expect(endpoint).toContainText("Nothing sent yet");
    await expect(page.getByText(secret)).toHaveCount(0);

    // Upgrading is one of the endpoint's events.
    await page.goto("/app/billing");
    await hydrated(page);
    await page.getByRole("button", { name: "Upgrade to Pro" }).click();
    await expect(page.getByTestId("current-plan")).toHaveText("Pro");

    await expect.poll(() => got.length, { timeout: 20_000 }).toBe(1);
    const [delivery] = got;
    const id = String(delivery.headers["webhook-id"]);
    const timestamp = String(delivery.headers["webhook-timestamp"]);
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${delivery.body}`).digest("base64");
    expect(String(delivery.headers["webhook-signature"]).split(" ")).toContain(`v1,${expected}`);
    const event = JSON.parse(delivery.body);
    expect(event).toMatchObject({ id, type: "plan.changed", data: { from: "free", to: "pro" } });

    await page.getByRole("link", { name: "Webhooks" }).first().click();
    const logged = page.getByTestId("webhook-delivery");
    await expect(logged).toContainText("Delivered");
    await expect(logged).toContainText("plan.changed");
    await expect(logged).toContainText("Answered 200");
    await expect(logged).toContainText(id);

    // Re-sending delivers the same event again.
    await logged.getByRole("button", { name: "Re-send" }).click();
    await expect.poll(() => got.length, { timeout: 20_000 }).toBe(2);
    expect(got[1].headers["webhook-id"]).toBe(id);

    // Removing asks first, then the endpoint and its log are gone.
    await hydrated(page);
    await page.getByTestId("webhook-endpoint").getByText("Remove", { exact: true }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Yes, remove" }).click();
    await expect(page.getByText("No endpoints yet.")).toBeVisible();
  } finally {
    receiver.close();
  }
});
