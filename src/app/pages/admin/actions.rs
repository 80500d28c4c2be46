//! The admin console's buttons and small forms. Each is an island (pending
//! state, the error in place, a reload on success) over a plain form that
//! also works before hydration.

use crate::app::api::admin::{AdminJobAction, OpenSupportView, SetUserSuspension, SetWorkspaceSuspension};
use crate::app::api::billing::SetWorkspaceLimits;
use crate::app::components::{action_error, reload_on_success, Fields, FormError, PostForm};
use crate::app::types::{JobId, LimitOverrides, TenantId, UserId};
use leptos::prelude::*;

const SMALL: &str =
    "rounded-lg border border-slate-300 bg-white px-2 py-1 text-xs font-medium hover:bg-slate-50 disabled:opacity-60";
const FIELD: &str = "rounded-lg border border-slate-300 bg-white px-2 py-1 text-xs";

/// Suspend (with a reason) or lift a suspension, for a user or a workspace.
#[island]
pub fn SuspendForm(target: String, id: String, suspended: bool) -> impl IntoView {
    let user = ServerAction::<SetUserSuspension>::new();
    let workspace = ServerAction::<SetWorkspaceSuspension>::new();
    reload_on_success(user);
    reload_on_success(workspace);
    let error = Signal::derive(move || action_error(user).get().or_else(|| action_error(workspace).get()));
    let pending = Signal::derive(move || user.pending().get() || workspace.pending().get());
    let label = if suspended { "Lift suspension" } else { "Suspend" };
    let suspend = if suspended { "false" } else { "true" };
    let fields = view! {
        <input type="hidden" name="suspend" value=suspend/>
        {(!suspended).then(|| view! { <input type="text" name="reason" required minlength="5" maxlength="500" placeholder="Reason (kept in the audit log)" class=FIELD aria-label="Reason"/> })}
        {suspended.then(|| view! { <input type="hidden" name="reason" value=""/> })}
        <button type="submit" class=SMALL disabled=move || pending.get() data-testid=format!("{target}-suspend")>{label}</button>
    };
    let form = if target == "user" {
        view! {
            <PostForm action=user class="flex flex-wrap items-center gap-2" read=|f| SetUserSuspension {
                user_id: UserId::new(f.text("user_id")), suspend: f.text("suspend"), reason: f.text("reason"),
            }>
                <input type="hidden" name="user_id" value=id.clone()/>
                {fields}
            </PostForm>
        }
        .into_any()
    } else {
        view! {
            <PostForm action=workspace class="flex flex-wrap items-center gap-2" read=|f| SetWorkspaceSuspension {
                workspace_id: TenantId::new(f.text("workspace_id")), suspend: f.text("suspend"), reason: f.text("reason"),
            }>
                <input type="hidden" name="workspace_id" value=id.clone()/>
                {fields}
            </PostForm>
        }.into_any()
    };
    view! { {form}<FormError error/> }
}

/// Retry a dead job or cancel one that has not finished.
#[island]
pub fn JobButtons(job_id: JobId, state: String) -> impl IntoView {
    let action = ServerAction::<AdminJobAction>::new();
    reload_on_success(action);
    let which = match state.as_str() {
        "dead" => Some(("retry", "Retry")),
        "queued" | "running" | "waiting" => Some(("cancel", "Cancel")),
        _ => None,
    };
    view! {
        {which.map(|(verb, label)| view! {
            <PostForm action read=|f| AdminJobAction { job_id: JobId::new(f.text("job_id")), action: f.text("action") }>
                <input type="hidden" name="job_id" value=job_id.to_string()/>
                <input type="hidden" name="action" value=verb/>
                <button type="submit" class=SMALL disabled=move || action.pending().get() data-testid=format!("job-{verb}")>{label}</button>
            </PostForm>
        })}
        <FormError error=action_error(action)/>
    }
}

/// A workspace's limit overrides: an empty field follows the plan.
#[island]
pub fn LimitsForm(workspace_id: TenantId, overrides: LimitOverrides) -> impl IntoView {
    let action = ServerAction::<SetWorkspaceLimits>::new();
    reload_on_success(action);
    let shown = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    view! {
        <PostForm action class="flex flex-wrap items-end gap-3" testid="limits-form" read=|f| SetWorkspaceLimits {
            workspace_id: TenantId::new(f.text("workspace_id")),
            posts: number(f, "posts"), sites: number(f, "sites"), members: number(f, "members"),
            social_accounts: number(f, "social_accounts"), stores: number(f, "stores"),
        }>
            <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
            {[("posts", "Posts a month", overrides.posts), ("sites", "Sites", overrides.sites), ("members", "Members", overrides.members),
                ("social_accounts", "Social accounts", overrides.social_accounts), ("stores", "Stores", overrides.stores)].into_iter().map(|(name, label, value)| view! {
                <label class="text-xs text-slate-600">{label}
                    <input type="number" min="0" max="1000000" name=name value=shown(value) placeholder="plan's" class=format!("{FIELD} mt-1 block w-28")/>
                </label>
            }).collect_view()}
            <button type="submit" class=SMALL disabled=move || action.pending().get()>"Save limits"</button>
        </PostForm>
        <FormError error=action_error(action)/>
    }
}

fn number(f: &Fields, name: &str) -> Option<i64> {
    f.text(name).trim().parse::<i64>().ok()
}

/// Opens the read-only support view, asking for the reason first.
#[island]
pub fn SupportViewForm(workspace_id: TenantId) -> impl IntoView {
    let action = ServerAction::<OpenSupportView>::new();
    view! {
        <PostForm action class="flex flex-wrap items-center gap-2" testid="support-view-form" read=|f| OpenSupportView {
            workspace_id: TenantId::new(f.text("workspace_id")), reason: f.text("reason"),
        }>
            <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
            <input type="text" name="reason" required minlength="5" maxlength="500" placeholder="Why (e.g. ticket #1234)" class=FIELD aria-label="Reason for the support view"/>
            <button type="submit" class=SMALL disabled=move || action.pending().get()>"View as owner (read-only)"</button>
        </PostForm>
        <FormError error=action_error(action)/>
    }
}
