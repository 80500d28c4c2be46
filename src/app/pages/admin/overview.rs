//! The admin overview (business figures, drawn) and the health page.

use super::AdminOnly;
use crate::app::api::admin::{admin_figures, admin_health};
use crate::app::components::{BarChart, ErrorPanel, LoadingCards, PageHeader, StatCard};
use crate::app::types::{grouped, BusinessFigures, SystemHealth};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Title text="Admin"/>
        <AdminOnly current="/app/admin">
            <PageHeader title="Admin" subtitle="Revenue, plans and growth across every workspace."/>
            <Figures/>
        </AdminOnly>
    }
}

#[component]
fn Figures() -> impl IntoView {
    let figures = Resource::new(|| (), |_| admin_figures());
    view! {
        <Suspense fallback=LoadingCards>
            {move || Suspend::new(async move {
                match figures.await {
                    Ok(f) => view! { <FigureCharts f/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn money(cents: i64) -> String {
    format!("${}.{:02}", grouped(cents / 100), cents % 100)
}

#[component]
fn FigureCharts(f: BusinessFigures) -> impl IntoView {
    let month = f.movements.first().cloned();
    let plans: Vec<(String, i64)> = f
        .workspaces_per_plan
        .iter()
        .map(|(p, n)| (p.name().to_string(), *n))
        .collect();
    let total_sign_ups: i64 = f.sign_ups_by_day.iter().map(|(_, n)| n).sum();
    let movements = f.movements.clone();
    view! {
        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <StatCard label="MRR" value=money(f.mrr_cents) hint="Live paid subscriptions"/>
            <StatCard label="Workspaces in dunning" value=grouped(f.in_dunning) hint="A payment failed and is not settled"/>
            <StatCard label="Churn (30 days)" value=month.as_ref().map(|m| format!("{:.1}%", m.churn_percent)).unwrap_or_default() hint="Cancellations over paying workspaces"/>
            <StatCard label="Sign-ups (30 days)" value=month.as_ref().map(|m| grouped(m.sign_ups)).unwrap_or_default() hint="New workspaces"/>
        </div>
        <div class="mt-6 grid gap-4 lg:grid-cols-2">
            <BarChart half=true title="Workspaces per plan" testid="chart-plans"
                summary=format!("Workspaces per plan: {}", plans.iter().map(|(p, n)| format!("{p} {n}")).collect::<Vec<_>>().join(", "))
                points=plans.clone()/>
            <BarChart half=true title="Sign-ups per day, last 90 days" testid="chart-sign-ups"
                summary=format!("{total_sign_ups} sign-ups in the last 90 days")
                points=f.sign_ups_by_day.clone()/>
            {movements.into_iter().map(|m| {
                let points = vec![
                    ("Sign-ups".to_string(), m.sign_ups),
                    ("Upgrades".to_string(), m.upgrades),
                    ("Downgrades".to_string(), m.downgrades),
                    ("Cancellations".to_string(), m.cancellations),
                ];
                let summary = format!(
                    "Last {} days: {} sign-ups, {} upgrades, {} downgrades, {} cancellations, churn {:.1}%",
                    m.days, m.sign_ups, m.upgrades, m.downgrades, m.cancellations, m.churn_percent
                );
                view! { <BarChart half=true title=format!("Plan movements, last {} days (churn {:.1}%)", m.days, m.churn_percent) summary points/> }
            }).collect_view()}
        </div>
    }
}

#[component]
pub fn AdminHealthPage() -> impl IntoView {
    let health = Resource::new(|| (), |_| admin_health());
    view! {
        <Title text="System health"/>
        <AdminOnly current="/app/admin/health">
            <PageHeader title="System health" subtitle="The same figures as GET /admin/health."/>
            <Suspense fallback=LoadingCards>
                {move || Suspend::new(async move {
                    match health.await {
                        Ok(h) => view! { <Health h/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3_600),
        s => format!("{} days", s / 86_400),
    }
}

#[component]
fn Health(h: SystemHealth) -> impl IntoView {
    let queue: Vec<(String, i64)> = h.queue.iter().map(|q| (q.state.clone(), q.jobs)).collect();
    let queued = queue.iter().find(|(s, _)| s == "queued").map(|(_, n)| *n).unwrap_or(0);
    view! {
        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" data-testid="health">
            <StatCard label="Database" value=format!("{:.1} ms", h.database_latency_ms) hint=h.database.clone()/>
            <StatCard label="Oldest due job" value=h.oldest_due_seconds.map(duration).unwrap_or_else(|| "none".into()) hint="Waiting to be claimed"/>
            <StatCard label="Failures (24 h)" value=grouped(h.failed_attempts_24h) hint=format!("{} dead jobs", h.dead_jobs_24h)/>
            <StatCard label="Version" value=h.version.clone() hint=format!("Up {}", duration(h.uptime_seconds))/>
        </div>
        <div class="mt-6 grid gap-4 lg:grid-cols-2">
            <BarChart title="Jobs by state" testid="chart-queue" summary=format!("{queued} jobs queued") points=queue/>
            <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
                <h2 class="border-b border-slate-200 px-4 py-3 text-sm font-semibold">"Worker processes"</h2>
                {if h.workers.is_empty() {
                    view! { <p class="p-4 text-sm text-slate-600">"No worker has reported in the last day. Start one with `autopilot worker`, or let `serve` run it."</p> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100" data-testid="workers">
                            {h.workers.into_iter().map(|w| {
                                let stale = w.seconds_since_heartbeat > 60;
                                view! {
                                    <li class="flex flex-wrap justify-between gap-2 px-4 py-2 text-sm">
                                        <span class="font-mono text-xs">{format!("{} · {} pid {}", w.id, w.host, w.pid)}</span>
                                        <span class=if stale { "text-red-700" } else { "text-slate-600" }>{format!("heard from {} ago", duration(w.seconds_since_heartbeat))}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
    }
}
