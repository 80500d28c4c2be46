//! Content: the review queue, jobs under way, published posts and failures,
//! kept current without a reload.

use crate::app::api::content::{list_jobs, list_upcoming, ApprovePosts, RejectPost, RetryJob};
use crate::app::api::sites::list_sites;
use crate::app::components::{ListTabs, PageHeader, Pager};
use crate::app::pages::SocialPostList;
use crate::app::types::{JobPage, JobSummary, PostId, Step};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const LISTS: [(&str, &str); 5] = [
    ("review", "Review queue"),
    ("active", "Scheduled & running"),
    ("published", "Published"),
    ("failed", "Failed"),
    ("all", "Everything"),
];

#[component]
pub fn ContentPage() -> impl IntoView {
    let query = use_query_map();
    let read = |key: &str| query.read_untracked().get(key).unwrap_or_default();
    let list = Some(read("list"))
        .filter(|l| LISTS.iter().any(|(k, _)| k == l))
        .unwrap_or_else(|| "review".into());
    let page = read("page").parse().unwrap_or(1i64).max(1);
    let site = read("site");
    let show_upcoming = list == "active";
    view! {
        <Title text="Content"/>
        <PageHeader title="Content" subtitle="Posts move from queued to generating, review, publishing and published. This page follows them live."/>
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            {
                let site = site.clone();
                view! { <ListTabs lists=&LISTS active=list.clone() href=move |key| list_href(key, &site, 1)/> }
            }
            <SiteFilter list=list.clone() site=site.clone()/>
        </div>
        {show_upcoming.then(|| view! { <UpcomingRuns site=site.clone()/> })}
        {
            let reviewing = list == "review";
            view! {
                <JobList list page site_id=site/>
                {reviewing.then(|| view! {
                    <h2 class="mb-3 mt-8 text-base font-semibold">"Social posts waiting for review"</h2>
                    <SocialPostList list="review".to_string() page=1 account_id=String::new()/>
                })}
            }
        }
    }
}

/// The content page's address for a list, a site filter and a page.
fn list_href(list: &str, site: &str, page: i64) -> String {
    let mut href = format!("/app/content?list={list}");
    if !site.is_empty() {
        href.push_str(&format!("&site={site}"));
    }
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

/// A plain GET form, so filtering works before (and without) hydration.
#[component]
fn SiteFilter(list: String, site: String) -> impl IntoView {
    let sites = Resource::new(|| (), |_| list_sites());
    view! {
        <form method="get" action="/app/content" class="flex items-center gap-2" data-testid="site-filter">
            <input type="hidden" name="list" value=list/>
            <label class="text-sm text-slate-600" for="site-filter">"Site"</label>
            <Suspense fallback=|| view! { <span class="text-sm text-slate-500">"…"</span> }>
                {move || {
                    let site = site.clone();
                    Suspend::new(async move {
                        let options = sites.await.unwrap_or_default();
                        view! {
                            <select id="site-filter" name="site" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm">
                                <option value="" selected=site.is_empty()>"All sites"</option>
                                {options.into_iter().map(|s| {
                                    let chosen = s.id == site.as_str();
                                    view! { <option value=s.id.to_string() selected=chosen>{s.name}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })
                }}
            </Suspense>
            <button class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">"Filter"</button>
        </form>
    }
}

/// What the schedules will run next: the "scheduled" half of the list.
#[component]
fn UpcomingRuns(site: String) -> impl IntoView {
    let runs = Resource::new(|| (), |_| list_upcoming());
    view! {
        <section class="mb-4 rounded-2xl border border-slate-200 bg-white shadow-sm" data-testid="upcoming-runs">
            <h2 class="border-b border-slate-200 px-6 py-3 text-sm font-semibold">"Next planned runs"</h2>
            <Suspense fallback=|| view! { <p class="p-6 text-sm text-slate-500">"Loading…"</p> }>
                {move || {
                    let site = site.clone();
                    Suspend::new(async move {
                        match runs.await {
                            Ok(runs) => {
                                let runs: Vec<_> = runs.into_iter().filter(|r| site.is_empty() || r.site_id == site.as_str()).collect();
                                if runs.is_empty() {
                                    return view! { <p class="p-6 text-sm text-slate-600">"No runs planned. Turn automation on for a site to schedule posts."</p> }.into_any();
                                }
                                view! {
                                    <ul class="divide-y divide-slate-100">
                                        {runs.into_iter().map(|r| view! {
                                            <li class="flex items-center justify-between gap-3 px-6 py-2 text-sm" data-testid="planned-run">
                                                <span class="text-slate-900">{r.site_name}</span>
                                                <time class="text-slate-600">{r.when}</time>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }
                            Err(e) => view! { <p role="alert" class="p-6 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// Polls every two seconds while a job is still moving (and every ten
/// otherwise), so states change on the page without a reload.
#[island]
fn JobList(list: String, page: i64, site_id: String) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let approve = ServerAction::<ApprovePosts>::new();
    let reject = ServerAction::<RejectPost>::new();
    let retry = ServerAction::<RetryJob>::new();
    let selected = RwSignal::new(Vec::<PostId>::new());
    let (list_key, site_key) = (list.clone(), site_id.clone());
    let jobs = Resource::new(
        move || {
            (
                tick.get(),
                approve.version().get(),
                reject.version().get(),
                retry.version().get(),
            )
        },
        move |_| list_jobs(list_key.clone(), site_key.clone(), page),
    );
    schedule_polls(jobs, tick);
    // "Everything" also holds posts awaiting review, with their checkboxes.
    let is_review = list == "review" || list == "all";
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white shadow-sm" data-testid="job-list">
            <Show when=move || is_review>
                <div class="flex items-center justify-between gap-3 border-b border-slate-200 px-6 py-3">
                    <span class="text-sm text-slate-600">{move || format!("{} selected", selected.read().len())}</span>
                    <button class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white disabled:opacity-50" data-testid="approve-selected"
                        disabled=move || selected.read().is_empty() || approve.pending().get()
                        on:click=move |_| { approve.dispatch(ApprovePosts { post_ids: selected.get_untracked() }); selected.set(Vec::new()); }>
                        "Approve selected"
                    </button>
                </div>
            </Show>
            <Transition fallback=|| view! { <p class="p-6 text-sm text-slate-500">"Loading…"</p> }>
                {move || jobs.get().map(|result| match result {
                    Ok(page) => {
                        let href = { let (list, site) = (list.clone(), site_id.clone()); move |n: i64| list_href(&list, &site, n) };
                        view! { <Rows page href selected approve reject retry/> }.into_any()
                    }
                    Err(e) => view! { <p role="alert" class="p-6 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// One timer for the island's life: a refresh every 2 s while a job is
/// moving, every 10 s otherwise.
fn schedule_polls(jobs: Resource<Result<JobPage, crate::app::error::AppError>>, tick: RwSignal<u32>) {
    Effect::new(move |_| {
        let count = std::cell::Cell::new(0u32);
        let _ = set_interval_with_handle(
            move || {
                count.set(count.get() + 1);
                let moving = jobs
                    .get_untracked()
                    .and_then(|r| r.ok())
                    .is_some_and(|p| p.jobs.iter().any(|j| j.step.is_active()));
                if moving || count.get().is_multiple_of(5) {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(2),
        );
    });
}

#[component]
fn Rows(
    page: JobPage,
    href: impl Fn(i64) -> String + 'static,
    selected: RwSignal<Vec<PostId>>,
    approve: ServerAction<ApprovePosts>,
    reject: ServerAction<RejectPost>,
    retry: ServerAction<RetryJob>,
) -> impl IntoView {
    if page.jobs.is_empty() {
        return view! { <p class="p-8 text-center text-sm text-slate-600" data-testid="empty-list">"Nothing here right now."</p> }.into_any();
    }
    let pages = (page.total + page.per_page - 1) / page.per_page;
    view! {
        <ul class="divide-y divide-slate-100">
            {page.jobs.into_iter().map(|job| view! { <Row job selected approve reject retry/> }).collect_view()}
        </ul>
        <Pager page=page.page pages href label=format!("Page {} of {} · {} in all", page.page, pages.max(1), page.total)/>
    }
    .into_any()
}

#[component]
fn Row(
    job: JobSummary,
    selected: RwSignal<Vec<PostId>>,
    approve: ServerAction<ApprovePosts>,
    reject: ServerAction<RejectPost>,
    retry: ServerAction<RetryJob>,
) -> impl IntoView {
    let post_id = job.post_id.clone().unwrap_or_default();
    let title = job.post_title.clone().unwrap_or_else(|| "Post not written yet".into());
    let (p1, p2, p3, job_id) = (post_id.clone(), post_id.clone(), post_id.clone(), job.id.clone());
    let reviewing = job.step == Step::AwaitingReview;
    view! {
        <li class="flex flex-wrap items-center gap-3 px-6 py-4" data-testid="job-row" data-step=job.step.as_str()>
            {reviewing.then(|| view! {
                <input type="checkbox" aria-label="Select" class="h-4 w-4"
                    prop:checked=move || selected.read().contains(&p1)
                    on:change=move |_| selected.update(|s| if let Some(i) = s.iter().position(|x| *x == p2) { s.remove(i); } else { s.push(p2.clone()); })/>
            })}
            <StepBadge step=job.step/>
            <div class="min-w-0 flex-1">
                {if post_id.is_empty() { view! { <p class="truncate text-sm font-medium text-slate-500">{title}</p> }.into_any() } else {
                    view! { <a class="truncate text-sm font-medium text-slate-900 hover:underline" href=format!("/app/content/{post_id}")>{title}</a> }.into_any()
                }}
                <p class="text-xs text-slate-500">{job.site_name.clone()}{format!(" · attempt {} of {}", job.attempt, job.max_attempts)}</p>
                {job.last_error.clone().map(|e| view! { <p class="mt-1 text-xs text-red-700" data-testid="job-error">{e}</p> })}
            </div>
            {job.remote_url.clone().map(|url| view! { <a class="text-sm text-indigo-600 underline" href=url.clone() target="_blank" rel="noopener noreferrer" data-testid="published-link">"View on WordPress"</a> })}
            {reviewing.then(|| view! {
                <button class="rounded-lg bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white" on:click=move |_| { approve.dispatch(ApprovePosts { post_ids: vec![p3.clone()] }); }>"Approve"</button>
                <button class="rounded-lg px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50" on:click=move |_| { reject.dispatch(RejectPost { post_id: post_id.clone() }); }>"Reject"</button>
            })}
            {(job.step == Step::Failed).then(|| view! {
                <button class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium" on:click=move |_| { retry.dispatch(RetryJob { job_id: job_id.clone() }); }>"Retry"</button>
            })}
        </li>
    }
}

#[component]
pub fn StepBadge(step: Step) -> impl IntoView {
    let class = match step {
        Step::Published => "bg-emerald-100 text-emerald-800",
        Step::Failed | Step::Quota => "bg-red-100 text-red-800",
        Step::AwaitingReview => "bg-amber-100 text-amber-900",
        Step::Rejected => "bg-slate-200 text-slate-700",
        _ => "bg-indigo-100 text-indigo-800",
    };
    view! { <span class=format!("shrink-0 rounded-full px-2.5 py-0.5 text-xs font-medium {class}") data-testid="step">{step.label()}</span> }
}
