//! Pricing runs on the dashboard (the latest few, in words) and on
//! Analytics (the latest twenty, drawn: products updated, margin kept,
//! how long each took).

use super::stores::LastRun;
use crate::app::api::stores::pricing_runs;
use crate::app::components::BarChart;
use crate::app::types::{format_percent, RunSummary};
use leptos::prelude::*;

/// The dashboard's card: the latest five runs, or nothing at all for a
/// workspace without runs.
#[component]
pub fn DashboardRuns() -> impl IntoView {
    let runs = Resource::new(|| (), |_| pricing_runs(String::new(), 5));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let runs = runs.await.unwrap_or_default();
                (!runs.is_empty()).then(|| view! {
                    <section class="mt-8 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="dashboard-runs">
                        <h2 class="text-base font-semibold"><a class="hover:underline" href="/app/stores">"Latest pricing runs"</a></h2>
                        <ul class="mt-2 space-y-2">
                            {runs.into_iter().map(|run| view! { <li><p class="text-xs font-medium text-slate-500">{run.store.clone()}</p><LastRun last=Some(run)/></li> }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}

/// The Analytics section: the latest runs as charts.
#[component]
pub fn PricingAnalytics() -> impl IntoView {
    let runs = Resource::new(|| (), |_| pricing_runs(String::new(), 20));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let runs = runs.await.unwrap_or_default();
                (!runs.is_empty()).then(|| view! { <Charts runs/> })
            })}
        </Suspense>
    }
}

#[component]
fn Charts(runs: Vec<RunSummary>) -> impl IntoView {
    let done: Vec<RunSummary> = runs.into_iter().rev().filter(|r| r.state == "done").collect();
    let label = |r: &RunSummary| r.started.split(',').next().unwrap_or_default().to_string();
    let series = |f: fn(&RunSummary) -> i64| done.iter().map(|r| (label(r), f(r))).collect::<Vec<_>>();
    let analysed: i64 = done.iter().map(|r| r.analysed).sum();
    let updated: i64 = done.iter().map(|r| r.applied).sum();
    let skipped: i64 = done.iter().map(|r| r.skipped).sum();
    let competitors: i64 = done.iter().map(|r| r.competitors).sum();
    let summary = format!(
        "{} runs: {analysed} products analysed, {updated} updated, {skipped} skipped, {competitors} competitor prices used",
        done.len()
    );
    let margin = done
        .last()
        .and_then(|r| r.margin_bp)
        .map(format_percent)
        .unwrap_or_else(|| "—".into());
    view! {
        <section class="mt-10" data-testid="pricing-analytics">
            <h2 class="text-lg font-semibold text-slate-900">"Pricing runs"</h2>
            <p class="mb-4 text-sm text-slate-600">{summary.clone()}{format!("; the latest kept a {margin} margin over cost.")}</p>
            <div class="grid gap-4 lg:grid-cols-2">
                <BarChart title="Products updated per run" summary=summary points=series(|r| r.applied) testid="chart-runs-updated" half=true/>
                <BarChart title="Products skipped per run" summary="Products each run left as they were" points=series(|r| r.skipped) testid="chart-runs-skipped" half=true/>
                <BarChart title="Margin kept per run" summary="Average margin over cost of the prices each run proposed" points=series(|r| r.margin_bp.unwrap_or(0)) testid="chart-runs-margin" half=true percent=true/>
                <BarChart title="Run duration (ms)" summary="How long each run took" points=series(|r| r.duration_ms.unwrap_or(0)) testid="chart-runs-duration" half=true/>
            </div>
        </section>
    }
}
