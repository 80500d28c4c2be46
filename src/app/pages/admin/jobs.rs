//! The job inspector and the mail outbox.

use super::actions::JobButtons;
use super::{page_href, page_param, param, AdminOnly, Choice, Empty, BUTTON, INPUT, TABLE, TD, TH};
use crate::app::api::admin::{admin_jobs, admin_outbox};
use crate::app::components::{ErrorPanel, PageHeader, Pager};
use crate::app::types::AdminJobFilter;
use leptos::prelude::*;
use leptos_meta::Title;

const KEYS: &[&str] = &["state", "kind", "workspace", "site", "older"];

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect()
}

#[component]
pub fn AdminJobsPage() -> impl IntoView {
    let filter = AdminJobFilter {
        state: param("state"),
        kind: param("kind"),
        workspace: param("workspace"),
        site: param("site"),
        older_than_hours: param("older").parse().unwrap_or(0),
    };
    let page = page_param();
    let jobs = Resource::new(move || (), move |_| admin_jobs(filter.clone(), page));
    let states = options(&[
        ("", "Any state"),
        ("queued", "Queued"),
        ("running", "Running"),
        ("waiting", "Waiting"),
        ("done", "Done"),
        ("dead", "Dead"),
    ]);
    let ages = options(&[
        ("", "Any age"),
        ("1", "Older than 1 hour"),
        ("24", "Older than a day"),
        ("168", "Older than a week"),
    ]);
    view! {
        <Title text="Jobs · Admin"/>
        <AdminOnly current="/app/admin/jobs">
            <PageHeader title="Jobs" subtitle="Every workspace's jobs: attempts, the last error, retry and cancel."/>
            <form method="get" action="/app/admin/jobs" class="mb-4 flex flex-wrap items-center gap-3" data-testid="job-filters">
                <Choice name="state" label="State" options=states.clone()/>
                <input type="text" name="kind" value=param("kind") placeholder="Kind (e.g. post)" class=INPUT aria-label="Kind"/>
                <input type="text" name="workspace" value=param("workspace") placeholder="Workspace id" class=INPUT aria-label="Workspace id"/>
                <input type="text" name="site" value=param("site") placeholder="Site id" class=INPUT aria-label="Site id"/>
                <Choice name="older" label="Age" options=ages.clone()/>
                <button class=BUTTON>"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading jobs…"</p> }>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        Ok(list) if list.rows.is_empty() => view! { <Empty what="jobs"/> }.into_any(),
                        Ok(list) => view! {
                            <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
                                <table class=TABLE data-testid="admin-jobs">
                                    <thead><tr><th class=TH>"Job"</th><th class=TH>"Workspace"</th><th class=TH>"State"</th><th class=TH>"Attempts"</th><th class=TH>"Last error"</th><th class=TH></th></tr></thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {list.rows.into_iter().map(|j| view! {
                                            <tr data-testid="admin-job-row">
                                                <td class=TD><p class="font-medium">{j.kind.clone()}</p><p class="font-mono text-xs text-slate-500">{j.id.to_string()}</p><p class="text-xs text-slate-500">{format!("due {}", j.due)}</p></td>
                                                <td class=TD><a class="text-indigo-600 hover:underline" href=format!("/app/admin/workspaces/{}", j.workspace_id)>{j.workspace_name.clone()}</a></td>
                                                <td class=TD>{format!("{} · {}", j.state, j.step)}<p class="text-xs text-slate-500">{format!("changed {}", j.updated)}</p></td>
                                                <td class=TD>{format!("{} of {}", j.attempt, j.max_attempts)}</td>
                                                <td class=format!("{TD} max-w-xs break-words text-xs")>{j.last_error.clone().unwrap_or_default()}</td>
                                                <td class=TD><JobButtons job_id=j.id.clone() state=j.state.clone()/></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager page=list.page pages=list.pages href=page_href("/app/admin/jobs", KEYS) label=format!("Page {} of {} · {} jobs", list.page, list.pages, list.total)/>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

#[component]
pub fn AdminMailPage() -> impl IntoView {
    let mails = Resource::new(|| (), |_| admin_outbox());
    view! {
        <Title text="Mail outbox · Admin"/>
        <AdminOnly current="/app/admin/mail">
            <PageHeader title="Mail outbox" subtitle="The newest 200 mails. Bodies with a working sign-in or reset link are hidden here; `autopilot admin outbox` shows them to the operator."/>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading mail…"</p> }>
                {move || Suspend::new(async move {
                    match mails.await {
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="p-6 text-sm text-slate-600" data-testid="empty-list">"No mail has been sent yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="outbox">
                                {list.into_iter().map(|m| view! {
                                    <li class="px-4 py-3 text-sm">
                                        <div class="flex flex-wrap justify-between gap-2">
                                            <span class="font-medium text-slate-900">{m.subject.clone()}</span>
                                            <span class="text-xs text-slate-500">{format!("{} · {} · {}", m.to, m.status, m.created)}</span>
                                        </div>
                                        {match m.body.clone() {
                                            Some(body) => view! { <details class="mt-1"><summary class="cursor-pointer text-xs text-indigo-600">"Body"</summary><pre class="mt-1 whitespace-pre-wrap text-xs text-slate-700">{body}</pre></details> }.into_any(),
                                            None => view! { <p class="mt-1 text-xs text-slate-500">"Body hidden: it holds a link that still works."</p> }.into_any(),
                                        }}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}
