//! The workspace's audit log (owners and admins): filters, pages of 50,
//! and the same entries as CSV. The admin console shows every workspace's
//! entries with the same table.

use crate::app::api::audit::list_audit;
use crate::app::components::{ErrorPanel, PageHeader, Pager};
use crate::app::pages::query::{page_href, page_param, param};
use crate::app::types::{AuditAction, AuditFilter, AuditPage};
use leptos::prelude::*;
use leptos_meta::Title;

const INPUT: &str = "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm";
const KEYS: &[&str] = &["action", "actor", "days"];

#[component]
pub fn AuditPage() -> impl IntoView {
    let filter = audit_filter_from_query();
    let page = page_param();
    let csv = format!(
        "/app/audit/export.csv?action={}&actor={}&days={}",
        param("action"),
        param("actor"),
        filter.days
    );
    let entries = Resource::new(move || (), move |_| list_audit(filter.clone(), page));
    view! {
        <Title text="Audit log"/>
        <PageHeader title="Audit log" subtitle="Who did what in this workspace, when, and from which address. Entries cannot be changed or removed."/>
        <AuditFilters action="/app/audit" csv=Some(csv)/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the log…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(page) => view! { <AuditTable page path="/app/audit" keys=KEYS show_workspace=false/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The filters in the page's address.
pub fn audit_filter_from_query() -> AuditFilter {
    AuditFilter {
        action: AuditAction::parse(&param("action")),
        actor: param("actor"),
        days: param("days").parse::<i64>().unwrap_or(0).clamp(0, 3650),
        workspace: None,
    }
}

#[component]
pub fn AuditFilters(
    action: &'static str,
    csv: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let chosen = param("action");
    let days = param("days");
    view! {
        <form method="get" action=action class="mb-4 flex flex-wrap items-center gap-3" data-testid="audit-filters">
            <select name="action" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm" aria-label="Action">
                <option value="">"Every action"</option>
                {AuditAction::ALL.into_iter().map(|a| {
                    let selected = a.as_str() == chosen;
                    view! { <option value=a.as_str() selected=selected>{a.label()}</option> }
                }).collect_view()}
            </select>
            <input type="search" name="actor" value=param("actor") placeholder="Who (email)" class=INPUT aria-label="Who"/>
            <select name="days" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm" aria-label="When">
                {[("", "Any time"), ("1", "Last day"), ("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days")].into_iter().map(|(v, l)| {
                    let selected = v == days;
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            {children.map(|c| c())}
            <button class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">"Filter"</button>
            {csv.map(|href| view! { <a href=href class="text-sm font-medium text-indigo-600 hover:underline" data-testid="audit-csv" download>"Download CSV"</a> })}
        </form>
    }
}

#[component]
pub fn AuditTable(
    page: AuditPage,
    path: &'static str,
    keys: &'static [&'static str],
    show_workspace: bool,
) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="rounded-xl border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="empty-list">"No entries match these filters."</p> }.into_any();
    }
    let th = "px-4 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";
    let td = "px-4 py-2 align-top text-slate-700";
    view! {
        <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
            <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="audit-log">
                <thead><tr><th class=th>"When (UTC)"</th><th class=th>"Who"</th><th class=th>"What"</th><th class=th>"From"</th></tr></thead>
                <tbody class="divide-y divide-slate-100">
                    {page.entries.into_iter().map(|e| view! {
                        <tr data-testid="audit-entry">
                            <td class=format!("{td} whitespace-nowrap")>{e.when.clone()}</td>
                            <td class=td>{e.actor.clone()}</td>
                            <td class=td>
                                <p class="font-medium text-slate-900">{e.action.label()}</p>
                                <p class="text-xs text-slate-500">{[e.target.clone(), e.detail.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</p>
                                {(show_workspace).then(|| e.workspace_id.clone().map(|w| view! { <a class="text-xs text-indigo-600 hover:underline" href=format!("/app/admin/workspaces/{w}")>"workspace"</a> }))}
                            </td>
                            <td class=td><span class="font-mono text-xs">{e.ip.clone()}</span></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <Pager page=page.page pages=page.pages href=page_href(path, keys) label=format!("Page {} of {} · {} entries", page.page, page.pages, page.total)/>
        </div>
    }.into_any()
}
