import { Browser, expect, Page, test } from "@playwright/test";
import { execFileSync } from "child_process";

const password = "correct horse battery";

function cli(args: string[]): string {
  return execFileSync(process.env.E2E_SERVER_BIN!, args, {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, RUST_LOG: "error" },
    encoding: "utf8",
  });
}

/** The newest invitation link mailed to `email`, read from the outbox. */
function invitationLink(email: string): string | undefined {
  const link = cli(["admin", "outbox", "20"])
    .split("--- ")
    .filter((m) => m.includes(`to ${email}`))
    .map((m) => m.match(/https?:\/\/\S+\/invite\?\S+/)?.[0])
    .find((l) => !!l);
  return link && new URL(link).pathname + new URL(link).search;
}

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

async function signUp(browser: Browser, email: string, workspace: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/signup");
  await hydrated(page);
  const form = page.getByTestId("signup-form");
  await form.getByLabel("Your name").fill("Olga Owner");
  await form.getByLabel("Email").fill(email);
  await form.locator("input[name=password]").fill(password);
  await form.getByLabel("Workspace name").fill(workspace);
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app$/);
  return page;
}

test("an owner invites a manager who joins from another browser, is made a viewer and then removed", async ({
  browser,
  baseURL,
}) => {
  const stamp = Date.now();
  const invitee = `ivy+${stamp}@example.com`;
  const owner = await signUp(browser, `olga+${stamp}@example.com`, "Team Blog");
  const me = await (await owner.request.post("/api/auth/me", { headers: { origin: baseURL! } })).json();
  cli(["admin", "limits", me.workspace.id, "members=5"]);

  await owner.getByRole("link", { name: "Members" }).first().click();
  await expect(owner).toHaveURL(/\/app\/members$/);
  await expect(owner.getByTestId("seats")).toContainText("1 of 5 seats");
  await hydrated(owner);
  const form = owner.getByTestId("invite-form");
  await form.getByLabel("Email address").fill(invitee);
  await form.getByLabel("Role").selectOption("manager");
  await form.getByRole("button", { name: "Send invitation" }).click();
  await expect(owner.getByTestId("invitation")).toContainText(invitee);
  await expect(owner.getByTestId("invitation")).toContainText("Manager · invited by Olga Owner · Expires in 7 days");
  await expect(owner.getByTestId("seats")).toContainText("2 of 5 seats");

  // The invitee opens the mailed link in a browser of their own.
  await expect.poll(() => invitationLink(invitee)).toBeTruthy();
  const guest = await (await browser.newContext()).newPage();
  await guest.goto(invitationLink(invitee)!);
  await expect(guest.getByTestId("invitation-summary")).toHaveText(
    `Olga Owner invited ${invitee} to "Team Blog" as manager.`,
  );
  await hydrated(guest);
  const join = guest.getByTestId("invitation-sign-up");
  await join.getByLabel("Your name").fill("Ivy Invitee");
  await join.locator("input[name=password]").fill(password);
  await join.getByRole("button", { name: "Create account and join" }).click();
  await expect(guest).toHaveURL(/\/app$/);
  await expect(guest.getByTestId("current-role")).toContainText("Manager");

  // The owner makes her a viewer.
  await owner.reload();
  await hydrated(owner);
  const row = owner.getByTestId("member").filter({ hasText: invitee });
  await row.getByTestId("member-role-select").selectOption("viewer");
  // A plain form: the server function answers with a redirect back here.
  const changed = owner.waitForResponse((r) => r.url().endsWith("/api/members/change_role"));
  await row.getByRole("button", { name: "Change" }).click();
  const answer = await changed;
  expect(answer.status()).toBe(302);
  expect(answer.headers()["location"]).not.toContain("__err");
  await expect(owner).toHaveURL(/\/app\/members\??$/);
  await expect(owner.getByTestId("member").filter({ hasText: invitee }).getByTestId("member-role-select")).toHaveValue(
    "viewer",
  );
  await expect(owner.getByTestId("invitation")).toHaveCount(0);

  // Her view is now a viewer's: she sees the members and changes nothing.
  await guest.getByRole("link", { name: "Members" }).first().click();
  await expect(guest.getByTestId("current-role")).toContainText("Viewer");
  await expect(guest.getByText("Only owners and admins invite people")).toBeVisible();
  await expect(guest.getByTestId("invite-form")).toHaveCount(0);
  await expect(guest.getByTestId("member-role-select")).toHaveCount(0);
  await expect(guest.getByTestId("member")).toHaveCount(2);

  // Removing takes a confirmation; her next page offers to start a workspace.
  await owner.reload();
  await hydrated(owner);
  const again = owner.getByTestId("member").filter({ hasText: invitee });
  await again.getByText("Remove", { exact: true }).click();
  await again.getByRole("alertdialog").getByRole("button", { name: "Yes, remove" }).click();
  await expect(owner.getByTestId("member")).toHaveCount(1);
  await guest.getByRole("link", { name: "Dashboard" }).first().click();
  await expect(guest).toHaveURL(/\/no-workspace$/);
  await expect(guest.getByRole("heading", { name: "You are not in any workspace" })).toBeVisible();
});
