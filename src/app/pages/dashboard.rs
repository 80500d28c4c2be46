use crate::app::api::workspaces::get_dashboard;
use crate::app::components::{ErrorPanel, LoadingCards, PageHeader, StatCard, UsageCard};
use crate::app::types::DashboardSummary;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let summary = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text="Dashboard"/>
        <PageHeader title="Dashboard" subtitle="Your workspace at a glance."/>
        <Suspense fallback=LoadingCards>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(s) => view! { <Figures s/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
        <super::pricing_runs::DashboardRuns/>
        <GetStarted/>
    }
}

#[component]
fn Figures(s: DashboardSummary) -> impl IntoView {
    view! {
        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <StatCard label="Plan" value=s.plan.name().to_string() hint=format!("Workspace “{}”", s.workspace_name)/>
            <UsageCard label="Posts this month" used=s.usage.posts_this_month limit=s.usage.posts_limit/>
            <UsageCard label="Sites" used=s.usage.sites limit=s.usage.sites_limit/>
            <StatCard
                label="Members"
                value=format!("{} of {}", s.members, s.limits.members)
                hint=format!("You belong to {} workspace{}", s.workspaces, if s.workspaces == 1 { "" } else { "s" })
            />
        </div>
    }
}

/// The empty state: what a new workspace does first.
#[component]
fn GetStarted() -> impl IntoView {
    let steps = [
        (
            "Connect a WordPress site",
            "Add its address and an application password; Autopilot checks the connection.",
        ),
        (
            "Say what to write and when",
            "Pick topics, tone and a schedule in the site's time zone.",
        ),
        (
            "Review and publish",
            "Approve drafts, or let Autopilot publish on its own.",
        ),
    ];
    view! {
        <section class="mt-8 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="get-started">
            <h2 class="text-lg font-semibold">"Nothing is automated yet"</h2>
            <p class="mt-1 text-sm text-slate-600">"Start by connecting your first site. Three steps:"</p>
            <ol class="mt-5 grid gap-4 md:grid-cols-3">
                {steps.into_iter().enumerate().map(|(i, (title, text))| view! {
                    <li class="rounded-xl bg-slate-50 p-4">
                        <span class="grid h-7 w-7 place-items-center rounded-full bg-indigo-600 text-xs font-bold text-white">{i + 1}</span>
                        <p class="mt-3 text-sm font-semibold">{title}</p>
                        <p class="mt-1 text-sm text-slate-600">{text}</p>
                    </li>
                }).collect_view()}
            </ol>
            <A href="/app/sites" attr:class="mt-6 inline-block rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">
                "Connect a site"
            </A>
        </section>
    }
}
