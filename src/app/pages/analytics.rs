//! How the workspace's automation performs: charts drawn on the server in
//! the viewer's time zone, for 30 or 90 days, all sites or one.

use super::calendar::ZoneSwitch;
use crate::app::api::analytics::get_analytics;
use crate::app::api::social::{social_analytics, social_metrics_progress, FetchSocialMetrics};
use crate::app::components::{ready_flag, BarChart, ErrorPanel, LoadingCards, PageHeader, StatCard, UsageCard};
use crate::app::pages::query::param;
use crate::app::types::{grouped, Analytics, AnalyticsQuery, MetricsFilter, SiteId, SocialAnalytics};
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
    let social_filter = MetricsFilter {
        days: query.days,
        account_id: param("account"),
        page: 1,
        zone: query.zone.clone(),
    };
    let report = Resource::new(move || (), move |_| get_analytics(query.clone()));
    let social = Resource::new(move || (), move |_| social_analytics(social_filter.clone()));
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
        <Suspense fallback=LoadingCards>
            {move || Suspend::new(async move {
                match social.await {
                    Ok(s) => view! { <Social s/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
        <super::pricing_runs::PricingAnalytics/>
    }
}

/// "4.25%" from hundredths of a percent.
fn percent(bp: Option<i64>) -> String {
    bp.map(|bp| format!("{:.2}%", bp as f64 / 100.0))
        .unwrap_or_else(|| "—".into())
}

/// How social posts performed: per account, the best posts, and the hours
/// whose posts engaged best, for the period above.
#[component]
fn Social(s: SocialAnalytics) -> impl IntoView {
    let chosen = s.account_id.clone();
    let zone = param("tz");
    let per_account: Vec<(String, i64)> = s.per_account.iter().map(|a| (a.name.clone(), a.engagements)).collect();
    let rates: Vec<(String, i64)> = s
        .per_account
        .iter()
        .map(|a| (a.name.clone(), a.engagement_rate_bp.unwrap_or(0)))
        .collect();
    let top: Vec<(String, i64)> = s
        .top_posts
        .iter()
        .map(|p| (p.caption.chars().take(24).collect::<String>(), p.engagements))
        .collect();
    let account_summary = s
        .per_account
        .iter()
        .map(|a| {
            format!(
                "{}: {} engagements, {}",
                a.name,
                grouped(a.engagements),
                percent(a.engagement_rate_bp)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let hours_summary = s
        .best_hour
        .clone()
        .unwrap_or_else(|| "No post has figures yet in this period".into());
    let top_summary = s
        .top_posts
        .iter()
        .map(|p| {
            format!(
                "{} on {}: {} engagements",
                p.caption,
                p.account_name,
                grouped(p.engagements)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let empty = s.posts == 0;
    view! {
        <section class="mt-10" data-testid="social-analytics">
            <div class="mb-4 flex flex-wrap items-end justify-between gap-3">
                <div>
                    <h2 class="text-lg font-semibold text-slate-900">"Social posts"</h2>
                    <p class="text-sm text-slate-600">{format!("How posts published in the last {} days performed, as the platforms last said; engagement is likes, comments, shares and saves over reach (over views on TikTok).", s.days)}</p>
                </div>
                <div class="flex flex-wrap items-center gap-3">
                    <form method="get" action="/app/analytics" class="flex items-center gap-2">
                        <input type="hidden" name="days" value=s.days.to_string()/>
                        <input type="hidden" name="tz" value=zone/>
                        <select name="account" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm" aria-label="Account">
                            <option value="" selected=chosen.is_empty()>"All accounts"</option>
                            {s.accounts.iter().map(|a| {
                                let selected = a.id == chosen;
                                view! { <option value=a.id.clone() selected=selected>{format!("{} ({})", a.name, a.platform.label())}</option> }
                            }).collect_view()}
                        </select>
                        <button class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">"Show"</button>
                    </form>
                    {s.can_fetch.then(|| view! { <FetchMetrics fetching=s.fetching/> })}
                </div>
            </div>
            {s.demo.then(|| view! {
                <p class="mb-4 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="demo-figures">
                    "The demo channel's figures are invented: it publishes nowhere, so no one saw its posts."
                </p>
            })}
            {if empty {
                view! {
                    <p class="rounded-xl border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="social-empty">
                        "No figures yet for this period. They are read every six hours for posts published in the last 30 days; Fetch now reads them at once."
                    </p>
                }.into_any()
            } else {
                view! {
                    <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                        <StatCard label="Posts measured" value=grouped(s.posts) hint="published, with figures"/>
                        <StatCard label="Views" value=grouped(s.views) hint="as the platforms count them"/>
                        <StatCard label="Engagements" value=grouped(s.engagements) hint="likes, comments, shares, saves"/>
                        <StatCard label="Engagement rate" value=percent(s.engagement_rate_bp) hint="engagements over reach"/>
                    </div>
                    <div class="mt-6 grid gap-4 lg:grid-cols-2">
                        <BarChart half=true title="Engagements by account" testid="chart-social-accounts" summary=format!("Engagements by account: {account_summary}") points=per_account/>
                        <BarChart half=true percent=true title="Engagement rate by account" testid="chart-social-rates" summary=format!("Engagement rate by account: {account_summary}") points=rates/>
                    </div>
                    <div class="mt-4 grid gap-4">
                        <BarChart percent=true title="Engagement rate by hour posted" testid="chart-social-hours" summary=hours_summary.clone() points=s.best_hours.clone()/>
                        <p class="text-sm text-slate-600" data-testid="best-hour">{hours_summary}</p>
                        <BarChart title="Most engaging posts" testid="chart-social-posts" summary=format!("Most engaging posts: {top_summary}") points=top/>
                    </div>
                    <TopPosts s=s.clone()/>
                }.into_any()
            }}
        </section>
    }
}

/// The best posts with their figures and a link to each.
#[component]
fn TopPosts(s: SocialAnalytics) -> impl IntoView {
    let figure = |v: Option<i64>| v.map(grouped).unwrap_or_else(|| "—".into());
    view! {
        <div class="mt-4 overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
            <table class="min-w-full text-sm" data-testid="social-top-posts">
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        <th class="px-4 py-2">"Post"</th><th class="px-4 py-2">"Account"</th><th class="px-4 py-2 text-right">"Views"</th>
                        <th class="px-4 py-2 text-right">"Reach"</th><th class="px-4 py-2 text-right">"Likes"</th><th class="px-4 py-2 text-right">"Comments"</th>
                        <th class="px-4 py-2 text-right">"Shares"</th><th class="px-4 py-2 text-right">"Saves"</th><th class="px-4 py-2 text-right">"Rate"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {s.top_posts.into_iter().map(|p| view! {
                        <tr data-testid="social-post-metrics">
                            <td class="max-w-xs px-4 py-2">
                                <p class="truncate">{p.caption.clone()}</p>
                                <p class="text-xs text-slate-500">{p.when.clone()}
                                    {p.permalink.clone().map(|href| view! { " · " <a class="text-indigo-700 hover:underline" href=href target="_blank" rel="noopener">"View"</a> })}
                                </p>
                            </td>
                            <td class="px-4 py-2">{format!("{} ({})", p.account_name, p.platform.label())}</td>
                            <td class="px-4 py-2 text-right">{figure(p.views)}</td>
                            <td class="px-4 py-2 text-right">{figure(p.reach)}</td>
                            <td class="px-4 py-2 text-right">{grouped(p.likes)}</td>
                            <td class="px-4 py-2 text-right">{grouped(p.comments)}</td>
                            <td class="px-4 py-2 text-right">{figure(p.shares)}</td>
                            <td class="px-4 py-2 text-right">{figure(p.saves)}</td>
                            <td class="px-4 py-2 text-right" data-testid="post-rate">{percent(p.engagement_rate_bp)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// "Fetch now": queues a read of every connected account's figures, shows
/// how many reads are left while they run, and reloads the page when they
/// are done.
#[island(lazy)]
fn FetchMetrics(fetching: i64) -> impl IntoView {
    let fetch = ServerAction::<FetchSocialMetrics>::new();
    let left = RwSignal::new(fetching);
    let failed = RwSignal::new(None::<String>);
    Effect::new(move |_| match fetch.value().get() {
        // Nothing due (every account read already, or none connected):
        // the page shows the figures there are.
        Some(Ok(n)) => left.set(n.max(1)),
        Some(Err(e)) => failed.set(Some(e.to_string())),
        None => {}
    });
    // While reads are left, ask every second and a half (one question at a
    // time); reload when none are, stop asking on an error.
    let asking = RwSignal::new(false);
    Effect::new(move |_| {
        let _ = set_interval_with_handle(
            move || {
                if left.get_untracked() == 0 || asking.get_untracked() {
                    return;
                }
                asking.set(true);
                leptos::task::spawn_local(async move {
                    match social_metrics_progress().await {
                        Ok(0) => {
                            left.set(0);
                            #[cfg(feature = "hydrate")]
                            if let Some(window) = web_sys::window() {
                                let _ = window.location().reload();
                            }
                        }
                        Ok(n) => left.set(n),
                        Err(e) => {
                            left.set(0);
                            failed.set(Some(e.to_string()));
                        }
                    }
                    asking.set(false);
                });
            },
            std::time::Duration::from_millis(1_500),
        );
    });
    view! {
        <div class="flex items-center gap-3" data-testid="fetch-metrics" data-lazy="" data-ready=ready_flag()>
            <button class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-50"
                disabled=move || { fetch.pending().get() || left.get() > 0 }
                on:click=move |_| { failed.set(None); fetch.dispatch(FetchSocialMetrics {}); }>
                "Fetch now"
            </button>
            <Show when=move || { left.get() > 0 }>
                <span role="status" class="text-sm text-slate-600" data-testid="metrics-progress">
                    {move || format!("Reading figures… {} account{} left", left.get(), if left.get() == 1 { "" } else { "s" })}
                </span>
            </Show>
            {move || failed.get().map(|e| view! { <span role="alert" class="text-sm text-red-700">{e}</span> })}
        </div>
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
