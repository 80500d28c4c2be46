//! One workspace for an admin: members, sites, plan and overrides, usage,
//! recent jobs and invoices; suspend, override limits, open a support view.

use super::actions::{JobButtons, LimitsForm, SupportViewForm, SuspendForm};
use super::{AdminOnly, TABLE, TD, TH};
use crate::app::api::admin::get_admin_workspace;
use crate::app::components::{ErrorPanel, LoadingCards, PageHeader, StatCard, UsageCard};
use crate::app::types::{grouped, AdminWorkspaceDetail, TenantId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AdminWorkspacePage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id").unwrap_or_default();
    let detail = Resource::new(move || (), move |_| get_admin_workspace(TenantId::new(id.clone())));
    view! {
        <Title text="Workspace · Admin"/>
        <AdminOnly current="/app/admin/workspaces">
            <Suspense fallback=LoadingCards>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! { <Detail d/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

#[component]
fn Section(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="mt-6 rounded-xl border border-slate-200 bg-white shadow-sm">
            <h2 class="border-b border-slate-200 px-4 py-3 text-sm font-semibold">{title}</h2>
            <div class="overflow-x-auto">{children()}</div>
        </section>
    }
}

#[component]
fn Detail(d: AdminWorkspaceDetail) -> impl IntoView {
    let w = d.workspace.clone();
    let id = w.id.clone();
    let (jobs_link, audit_link) = (
        format!("/app/admin/jobs?workspace={id}"),
        format!("/app/admin/audit?workspace={id}"),
    );
    view! {
        <PageHeader title="Workspace"/>
        <p class="-mt-4 mb-6 text-lg font-medium text-slate-900" data-testid="admin-workspace-name">{w.name.clone()}</p>
        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <StatCard label="Plan" value=w.plan.name().to_string() hint=format!("billing: {}{}", w.billing_status, if w.in_dunning { " · in dunning" } else { "" })/>
            <UsageCard label="Posts this month" used=d.usage.posts_this_month limit=d.usage.posts_limit/>
            <UsageCard label="Sites" used=d.usage.sites limit=d.usage.sites_limit/>
            <StatCard label="Members" value=format!("{} of {}", d.members.len(), d.limits.members) hint=format!("created {}", w.created)/>
        </div>
        <Section title="Standing">
            <div class="space-y-4 p-4 text-sm">
                {w.suspended.clone().map(|r| view! { <p class="text-red-700" data-testid="workspace-suspended">{format!("Suspended: {r}")}</p> })}
                <SuspendForm target="workspace".to_string() id=id.to_string() suspended=w.suspended.is_some()/>
                <div><p class="mb-2 text-xs font-semibold uppercase text-slate-500">"Limit overrides"</p><LimitsForm workspace_id=id.clone() overrides=d.overrides.clone()/></div>
                <div><p class="mb-2 text-xs font-semibold uppercase text-slate-500">"Support"</p><SupportViewForm workspace_id=id.clone()/></div>
            </div>
        </Section>
        <Section title="Members">
            <table class=TABLE>
                <thead><tr><th class=TH>"Member"</th><th class=TH>"Role"</th></tr></thead>
                <tbody class="divide-y divide-slate-100">
                    {d.members.into_iter().map(|m| view! { <tr><td class=TD>{format!("{} · {}", m.name, m.email)}</td><td class=TD>{m.role.label()}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </Section>
        <Section title="Sites">
            {if d.sites.is_empty() { view! { <p class="p-4 text-sm text-slate-600">"No sites."</p> }.into_any() } else { view! {
                <table class=TABLE>
                    <thead><tr><th class=TH>"Site"</th><th class=TH>"Connection"</th></tr></thead>
                    <tbody class="divide-y divide-slate-100">
                        {d.sites.into_iter().map(|s| view! { <tr><td class=TD>{format!("{} · {}", s.name, s.url)}</td><td class=TD>{s.connection}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            }.into_any() }}
        </Section>
        <Section title="Recent jobs">
            {if d.jobs.is_empty() { view! { <p class="p-4 text-sm text-slate-600">"No jobs yet."</p> }.into_any() } else { view! {
                <table class=TABLE>
                    <thead><tr><th class=TH>"Job"</th><th class=TH>"State"</th><th class=TH>"Last error"</th><th class=TH></th></tr></thead>
                    <tbody class="divide-y divide-slate-100">
                        {d.jobs.into_iter().map(|j| view! {
                            <tr>
                                <td class=TD>{format!("{} · due {}", j.kind, j.due)}</td>
                                <td class=TD>{format!("{} · {} · attempt {} of {}", j.state, j.step, j.attempt, j.max_attempts)}</td>
                                <td class=format!("{TD} text-xs")>{j.last_error.clone().unwrap_or_default()}</td>
                                <td class=TD><JobButtons job_id=j.id.clone() state=j.state.clone()/></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <a class="block px-4 py-2 text-xs font-medium text-indigo-600 hover:underline" href=jobs_link>"All of this workspace's jobs"</a>
            }.into_any() }}
        </Section>
        <Section title="Invoices">
            {if d.invoices.is_empty() { view! { <p class="p-4 text-sm text-slate-600">"No invoices."</p> }.into_any() } else { view! {
                <table class=TABLE>
                    <thead><tr><th class=TH>"Invoice"</th><th class=TH>"Amount"</th><th class=TH>"Status"</th></tr></thead>
                    <tbody class="divide-y divide-slate-100">
                        {d.invoices.into_iter().map(|i| view! { <tr><td class=TD>{format!("{} · {}", i.date, i.number)}</td><td class=TD>{format!("{} {}", grouped(i.amount_cents / 100), i.currency.to_uppercase())}</td><td class=TD>{i.status}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            }.into_any() }}
        </Section>
        <a class="mt-6 inline-block text-sm font-medium text-indigo-600 hover:underline" href=audit_link>"This workspace's audit log"</a>
    }
}
