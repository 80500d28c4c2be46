//! Users, workspaces and the audit log of the whole service: filters as
//! plain GET forms (they work before hydration), pages of 25.

use super::actions::SuspendForm;
use super::{
    created_options, page_href, page_param, param, status_options, AdminOnly, Choice, Empty, BUTTON, INPUT, TABLE, TD,
    TH,
};
use crate::app::api::admin::{admin_audit, admin_users, admin_workspaces};
use crate::app::components::{ErrorPanel, PageHeader, Pager};
use crate::app::pages::audit::{audit_filter_from_query, AuditFilters, AuditTable};
use crate::app::types::{AdminUserFilter, AdminWorkspaceFilter, Plan, TenantId};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let filter = AdminUserFilter {
        q: param("q"),
        status: param("status"),
        created_days: param("created").parse().unwrap_or(0),
    };
    let page = page_param();
    let users = Resource::new(move || (), move |_| admin_users(filter.clone(), page));
    view! {
        <Title text="Users · Admin"/>
        <AdminOnly current="/app/admin/users">
            <PageHeader title="Users" subtitle="Everyone with an account. Suspending a user signs them out everywhere."/>
            <form method="get" action="/app/admin/users" class="mb-4 flex flex-wrap items-center gap-3" data-testid="user-filters">
                <input type="search" name="q" value=param("q") placeholder="Email or name" class=INPUT aria-label="Search users"/>
                <Choice name="status" label="Status" options=status_options()/>
                <Choice name="created" label="Joined" options=created_options()/>
                <button class=BUTTON>"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        Ok(list) if list.rows.is_empty() => view! { <Empty what="users"/> }.into_any(),
                        Ok(list) => view! {
                            <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
                                <table class=TABLE data-testid="admin-users">
                                    <thead><tr><th class=TH>"User"</th><th class=TH>"Joined"</th><th class=TH>"Workspaces"</th><th class=TH>"Status"</th></tr></thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {list.rows.into_iter().map(|u| view! {
                                            <tr data-testid="admin-user-row">
                                                <td class=TD>
                                                    <p class="font-medium text-slate-900">{u.email.clone()}</p>
                                                    <p class="text-xs text-slate-500">{u.name.clone()}{u.is_platform_admin.then_some(" · platform admin")}{(!u.email_verified).then_some(" · unconfirmed")}</p>
                                                </td>
                                                <td class=TD>{u.created.clone()}</td>
                                                <td class=TD>{u.workspaces}</td>
                                                <td class=TD>
                                                    {u.suspended.clone().map(|r| view! { <p class="mb-1 text-xs text-red-700">{format!("Suspended: {r}")}</p> })}
                                                    <SuspendForm target="user".to_string() id=u.id.to_string() suspended=u.suspended.is_some()/>
                                                </td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager page=list.page pages=list.pages href=page_href("/app/admin/users", &["q", "status", "created"])
                                    label=format!("Page {} of {} · {} users", list.page, list.pages, list.total)/>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

fn plan_options() -> Vec<(String, String)> {
    std::iter::once((String::new(), "Any plan".to_string()))
        .chain(
            Plan::ALL
                .into_iter()
                .map(|p| (p.as_str().to_string(), p.name().to_string())),
        )
        .collect()
}

#[component]
pub fn AdminWorkspacesPage() -> impl IntoView {
    let filter = AdminWorkspaceFilter {
        q: param("q"),
        plan: Plan::parse(&param("plan")),
        status: param("status"),
        created_days: param("created").parse().unwrap_or(0),
        dunning: param("dunning") == "1",
    };
    let dunning = filter.dunning;
    let page = page_param();
    let list = Resource::new(move || (), move |_| admin_workspaces(filter.clone(), page));
    view! {
        <Title text="Workspaces · Admin"/>
        <AdminOnly current="/app/admin/workspaces">
            <PageHeader title="Workspaces" subtitle="Every workspace, its plan and its standing."/>
            <form method="get" action="/app/admin/workspaces" class="mb-4 flex flex-wrap items-center gap-3" data-testid="workspace-filters">
                <input type="search" name="q" value=param("q") placeholder="Workspace name" class=INPUT aria-label="Search workspaces"/>
                <Choice name="plan" label="Plan" options=plan_options()/>
                <Choice name="status" label="Status" options=status_options()/>
                <Choice name="created" label="Created" options=created_options()/>
                <label class="flex items-center gap-2 text-sm text-slate-600">
                    <input type="checkbox" name="dunning" value="1" checked=dunning/>"In dunning"
                </label>
                <button class=BUTTON>"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading workspaces…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        Ok(list) if list.rows.is_empty() => view! { <Empty what="workspaces"/> }.into_any(),
                        Ok(list) => view! {
                            <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
                                <table class=TABLE data-testid="admin-workspaces">
                                    <thead><tr><th class=TH>"Workspace"</th><th class=TH>"Plan"</th><th class=TH>"Members"</th><th class=TH>"Sites"</th><th class=TH>"Created"</th><th class=TH>"Status"</th></tr></thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {list.rows.into_iter().map(|w| view! {
                                            <tr data-testid="admin-workspace-row">
                                                <td class=TD><a class="font-medium text-indigo-600 hover:underline" href=format!("/app/admin/workspaces/{}", w.id)>{w.name.clone()}</a></td>
                                                <td class=TD>{w.plan.name()}<span class="block text-xs text-slate-500">{format!("billing: {}", w.billing_status)}</span></td>
                                                <td class=TD>{w.members}</td>
                                                <td class=TD>{w.sites}</td>
                                                <td class=TD>{w.created.clone()}</td>
                                                <td class=TD>
                                                    {w.in_dunning.then(|| view! { <span class="mr-2 rounded bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800">"Dunning"</span> })}
                                                    {match w.suspended.clone() {
                                                        Some(r) => view! { <span class="text-xs text-red-700">{format!("Suspended: {r}")}</span> }.into_any(),
                                                        None => view! { <span class="text-xs text-emerald-700">"Active"</span> }.into_any(),
                                                    }}
                                                </td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager page=list.page pages=list.pages href=page_href("/app/admin/workspaces", &["q", "plan", "status", "created", "dunning"])
                                    label=format!("Page {} of {} · {} workspaces", list.page, list.pages, list.total)/>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let mut filter = audit_filter_from_query();
    let workspace = param("workspace");
    filter.workspace = (!workspace.is_empty()).then(|| TenantId::new(workspace));
    let page = page_param();
    let entries = Resource::new(move || (), move |_| admin_audit(filter.clone(), page));
    view! {
        <Title text="Audit log · Admin"/>
        <AdminOnly current="/app/admin/audit">
            <PageHeader title="Audit log" subtitle="Every workspace's entries and the service's own (sign-ins, suspensions)."/>
            <AuditFilters action="/app/admin/audit" csv=None>
                <input type="text" name="workspace" value=param("workspace") placeholder="Workspace id" class=INPUT aria-label="Workspace id"/>
            </AuditFilters>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the log…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(page) => view! { <AuditTable page path="/app/admin/audit" keys=&["action", "actor", "days", "workspace"] show_workspace=true/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}
