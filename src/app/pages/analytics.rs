//! How the workspace's automation performs: charts drawn on the server in
//! the viewer's time zone, for 30 or 90 days, all sites or one.

use super::calendar::ZoneSwitch;
use crate::app::api::analytics::get_analytics;
use crate::app::components::{BarChart, ErrorPanel, LoadingCards, PageHeader, StatCard, UsageCard};
use crate::app::pages::query::param;
use crate::app::types::{grouped, Analytics, AnalyticsQuery, SiteId};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let zone = param("tz");
    let has_zone = !zone.is_empty();
    let query = AnalyticsQuery {
        days: if param("days") == "90" { 90 } else { 30 },
        site: Some(param("site")).filter(|s| !s.is_empty()).map(SiteId::new),
        zone,
        end: param("end"),
    };
    let report = Resource::new(move || (), move |_| get_analytics(query.clone()));
    view! {
        <Title text="Analytics"/>
        <PageHeader title="Analytics" subtitle="Posts published, how reliably, how fast, and what the month's quota allows."/>
        <ZoneSwitch has_zone/>
        <Suspense fallback=LoadingCards>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(a) => view! { <Report a/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn minutes(m: Option<i64>) -> String {
    match m {
        None => "—".into(),
        Some(m) if m < 120 => format!("{m} min"),
        Some(m) if m < 2_880 => format!("{:.1} h", m as f64 / 60.0),
        Some(m) => format!("{:.1} days", m as f64 / 1_440.0),
    }
}

#[component]
fn Filters(a: Analytics) -> impl IntoView {
    let tz = a.zone.clone();
    let chosen = a.site.clone().map(|s| s.to_string()).unwrap_or_default();
    view! {
        <form method="get" action="/app/analytics" class="mb-6 flex flex-wrap items-center gap-3" data-testid="analytics-filters">
            <input type="hidden" name="tz" value=tz/>
            <select name="days" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm" aria-label="Period">
                <option value="30" selected=a.days == 30>"Last 30 days"</option>
                <option value="90" selected=a.days == 90>"Last 90 days"</option>
            </select>
            <select name="site" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm" aria-label="Site">
                <option value="" selected=chosen.is_empty()>"All sites"</option>
                {a.sites.iter().map(|(id, name)| {
                    let selected = id.as_str() == chosen;
                    view! { <option value=id.to_string() selected=selected>{name.clone()}</option> }
                }).collect_view()}
            </select>
            <button class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">"Show"</button>
            <span class="text-xs text-slate-500">{format!("{} to {}, days in {}", a.first_day, a.last_day, a.zone)}</span>
        </form>
    }
}

#[component]
fn Report(a: Analytics) -> impl IntoView {
    let rate = a.success_rate.map(|r| format!("{r:.1}%")).unwrap_or_else(|| "—".into());
    let per_day_summary = format!(
        "{} posts published from {} to {}",
        grouped(a.published),
        a.first_day,
        a.last_day
    );
    let failures_summary = if a.failures_by_reason.is_empty() {
        "No job failed for good in this period".to_string()
    } else {
        a.failures_by_reason
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let site_summary = a
        .per_site
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <Filters a=a.clone()/>
        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <StatCard label="Published" value=grouped(a.published) hint=format!("in {} days", a.days)/>
            <StatCard label="Success rate" value=rate hint=format!("{} published, {} failed for good", a.succeeded, a.failed)/>
            <StatCard label="Generation to publish" value=minutes(a.median_minutes_to_publish) hint=format!("median; 90% within {}", minutes(a.p90_minutes_to_publish))/>
            <UsageCard label="Posts this month" used=a.usage.posts_this_month limit=a.usage.posts_limit/>
        </div>
        <p class="mt-3 text-sm text-slate-600" data-testid="quota-forecast">{a.forecast.clone()}</p>
        <div class="mt-6 grid gap-4">
            <BarChart title="Posts published per day" testid="chart-published" summary=per_day_summary points=a.published_per_day.clone()/>
            <div class="grid gap-4 lg:grid-cols-2">
                <BarChart half=true title="Published per site" testid="chart-sites" summary=format!("Published per site: {site_summary}") points=a.per_site.clone()/>
                <BarChart half=true title="Failures by reason" testid="chart-failures" summary=failures_summary points=a.failures_by_reason.clone()/>
            </div>
        </div>
    }
}
