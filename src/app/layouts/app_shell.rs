//! The signed-in frame: sidebar navigation, workspace switcher, account.
//! Rendered on the server; the phone menu and the switcher are islands.
//! Signed-out visitors are sent to the log-in page.

use crate::app::api::auth::ResendVerification;
use crate::app::api::workspaces::SwitchWorkspace;
use crate::app::components::{action_error, action_succeeded, reload_on_success, Logo, PostForm};
use crate::app::types::{BillingAlert, Me, Permission, SupportBanner, Suspension, TenantId, WorkspaceSummary};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

/// Shared with the pages inside the shell.
#[derive(Clone)]
pub struct ShellContext {
    pub me: Me,
}

/// The signed-in user and workspace, resolved before rendering by
/// `server::middleware::signed_in_pages`. The shell renders only on the
/// server (islands mode), so there is nothing to fetch in the browser.
fn resolved_me() -> Option<Me> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<Me>().cloned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[component]
pub fn AppShell() -> impl IntoView {
    match resolved_me() {
        Some(me) => {
            provide_context(ShellContext { me: me.clone() });
            view! { <Frame me/> }.into_any()
        }
        // The middleware already redirects signed-out visitors.
        None => view! { <Redirect path="/login"/> }.into_any(),
    }
}

#[component]
fn Frame(me: Me) -> impl IntoView {
    let is_admin = me.user.is_platform_admin;
    let verified = me.user.email_verified;
    let email = me.user.email.clone();
    let billing_alert = me.billing_alert.clone();
    let suspension = me.suspension.clone();
    let support_view = me.support_view.clone();
    let sees_audit = me.workspace.role.can(Permission::ViewAudit);
    let makes_keys = me.workspace.role.can(Permission::ManageApiKeys);
    let role_line = format!("{} · {} plan", me.workspace.role.label(), me.workspace.plan.name());
    view! {
        <div class="min-h-screen lg:flex">
            <PhoneMenu>
                <div class="hidden px-5 py-5 lg:block"><Logo/></div>
                <div class="px-4 pb-4">
                    <WorkspaceSwitcher workspaces=me.workspaces.clone() current=me.workspace.id.clone()/>
                    <p class="mt-1 text-xs text-slate-500" data-testid="current-role">{role_line}</p>
                    <A href="/app/workspaces/new" attr:class="mt-2 inline-block text-xs font-medium text-indigo-600 hover:text-indigo-800">
                        "+ New workspace"
                    </A>
                </div>
                <Nav is_admin sees_audit makes_keys/>
                <Account name=me.user.name.clone() email=me.user.email.clone()/>
            </PhoneMenu>
            <main class="flex-1 px-4 py-6 sm:px-8 lg:py-10">
                <div class="mx-auto max-w-5xl">
                    <Show when=move || !verified>
                        <VerifyBanner email=email.clone()/>
                    </Show>
                    {support_view.map(|view| view! { <SupportViewBanner view/> })}
                    {suspension.map(|suspension| view! { <SuspensionBanner suspension/> })}
                    {billing_alert.map(|alert| view! { <PaymentBanner alert/> })}
                    <Outlet/>
                </div>
            </main>
        </div>
    }
}

/// A platform admin's read-only view: on every page, with the way out.
#[component]
fn SupportViewBanner(view: SupportBanner) -> impl IntoView {
    view! {
        <div role="status" data-testid="support-view-banner" class="mb-6 flex flex-wrap items-center justify-between gap-3 rounded-xl border border-violet-300 bg-violet-50 p-4 text-sm text-violet-900">
            <span>{format!("Support view of “{}”, read-only: nothing can be changed. Reason: {}", view.workspace_name, view.reason)}</span>
            <form method="post" action="/api/admin/support-view/close">
                <button type="submit" class="font-semibold underline">"End support view"</button>
            </form>
        </div>
    }
}

/// Why the workspace is suspended and whom to write to, on every page.
#[component]
fn SuspensionBanner(suspension: Suspension) -> impl IntoView {
    view! {
        <div role="alert" data-testid="suspension-banner" class="mb-6 rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900">
            <p class="font-semibold">"This workspace is suspended; its automation is paused."</p>
            <p class="mt-1">{format!("Reason: {}. To have it restored, write to {}.", suspension.reason, suspension.contact)}</p>
        </div>
    }
}

/// A payment that needs the customer, on every page until it is settled.
#[component]
fn PaymentBanner(alert: BillingAlert) -> impl IntoView {
    let class = if alert.downgraded {
        "border-red-200 bg-red-50 text-red-900"
    } else {
        "border-amber-200 bg-amber-50 text-amber-900"
    };
    view! {
        <div role="alert" data-testid="payment-banner" class=format!("mb-6 flex flex-wrap items-center justify-between gap-3 rounded-xl border p-4 text-sm {class}")>
            <span>{alert.message}</span>
            <span class="flex gap-3">
                {alert.payment_url.map(|url| view! { <a class="font-semibold underline" href=url rel="noopener noreferrer">"Pay the invoice"</a> })}
                {alert.can_view_billing.then(|| view! { <A href="/app/billing" attr:class="font-semibold underline">"Billing"</A> })}
            </span>
        </div>
    }
}

/// The sidebar, which folds behind a Menu button at phone width.
#[island]
fn PhoneMenu(children: Children) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="flex items-center justify-between border-b border-slate-200 bg-white px-4 py-3 lg:hidden">
            <Logo/>
            <button
                type="button"
                data-testid="menu-toggle"
                aria-label="Menu"
                aria-expanded=move || open.get().to_string()
                class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Close" } else { "Menu" }}
            </button>
        </div>
        <aside
            data-testid="sidebar"
            class=move || format!(
                "{} w-full border-r border-slate-200 bg-white lg:block lg:min-h-screen lg:w-64 lg:shrink-0",
                if open.get() { "block" } else { "hidden" },
            )
        >
            {children()}
        </aside>
    }
}

/// Changes the active workspace and reloads the page in it.
#[island]
fn WorkspaceSwitcher(workspaces: Vec<WorkspaceSummary>, current: TenantId) -> impl IntoView {
    let switch = ServerAction::<SwitchWorkspace>::new();
    reload_on_success(switch);
    let failed = move || matches!(switch.value().get(), Some(Err(_)));
    view! {
        <label class="block">
            <span class="mb-1 block text-xs font-semibold uppercase tracking-wide text-slate-500">"Workspace"</span>
            <select
                data-testid="workspace-switcher"
                class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm"
                disabled=move || switch.pending().get()
                on:change=move |ev| {
                    switch.dispatch(SwitchWorkspace { workspace_id: TenantId::new(event_target_value(&ev)) });
                }
            >
                {workspaces.into_iter().map(|w| {
                    let selected = w.id == current;
                    view! { <option value=w.id.to_string() selected=selected>{w.name}</option> }
                }).collect_view()}
            </select>
        </label>
        <Show when=failed>
            <p role="alert" class="mt-1 text-xs text-red-700">"Could not switch workspace. Try again."</p>
        </Show>
    }
}

const NAV: &[(&str, &str)] = &[
    ("/app", "Dashboard"),
    ("/app/sites", "Sites"),
    ("/app/channels", "Channels"),
    ("/app/content", "Content"),
    ("/app/social", "Social posts"),
    ("/app/stores", "Stores"),
    ("/app/calendar", "Calendar"),
    ("/app/analytics", "Analytics"),
    ("/app/billing", "Billing"),
    ("/app/members", "Members"),
    ("/app/settings", "Settings"),
];

#[component]
fn Nav(is_admin: bool, sees_audit: bool, makes_keys: bool) -> impl IntoView {
    let link_class = "block rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 \
                      aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-700";
    view! {
        <nav class="space-y-1 px-3" aria-label="Main">
            {NAV.iter().map(|(href, label)| view! { <A href=*href exact=true attr:class=link_class>{*label}</A> }).collect_view()}
            <Show when=move || makes_keys>
                <A href="/app/api-keys" attr:class=link_class>"API keys"</A>
            </Show>
            // Webhooks are set up by admins, who also see the audit log.
            <Show when=move || sees_audit>
                <A href="/app/webhooks" attr:class=link_class>"Webhooks"</A>
                <A href="/app/audit" attr:class=link_class>"Audit log"</A>
            </Show>
            <Show when=move || is_admin>
                <A href="/app/admin" attr:class=link_class>"Admin"</A>
            </Show>
        </nav>
    }
}

/// Log out is a plain form post: it works before and without hydration.
#[component]
fn Account(name: String, email: String) -> impl IntoView {
    view! {
        <div class="mt-6 border-t border-slate-200 px-5 py-4">
            <p class="truncate text-sm font-medium text-slate-900">{name}</p>
            <p class="truncate text-xs text-slate-500" data-testid="user-email">{email}</p>
            <form method="post" action="/api/auth/log_out" class="mt-3">
                <button type="submit" class="text-sm font-medium text-slate-600 hover:text-slate-900">"Log out"</button>
            </form>
        </div>
    }
}

#[component]
fn VerifyBanner(email: String) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-col gap-2 rounded-xl border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900 sm:flex-row sm:items-center sm:justify-between"
             data-testid="verify-banner">
            <p>{format!("Confirm your email: we sent a link to {email}.")}</p>
            <ResendVerificationButton/>
        </div>
    }
}

#[island]
fn ResendVerificationButton() -> impl IntoView {
    let action = ServerAction::<ResendVerification>::new();
    let sent = action_succeeded(action);
    let error = action_error(action);
    view! {
        <Show
            when=move || !sent.get()
            fallback=|| view! { <span role="status" class="font-medium">"Sent. Check your inbox."</span> }
        >
            <PostForm action read=|_| ResendVerification {}>
                <button type="submit" class="font-medium underline disabled:opacity-60" disabled=move || action.pending().get()>
                    "Send it again"
                </button>
            </PostForm>
            <Show when=move || error.get().is_some()>
                <span role="alert" class="text-red-700">{move || error.get().unwrap_or_default()}</span>
            </Show>
        </Show>
    }
}
