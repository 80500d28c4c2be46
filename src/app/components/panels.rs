//! Cards, headers and states (loading, empty, error).

use crate::app::error::AppError;
use crate::app::types::grouped;
use leptos::prelude::*;

#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <span class="inline-flex items-center gap-2 font-semibold tracking-tight text-slate-900">
            <span class="grid h-8 w-8 place-items-center rounded-lg bg-indigo-600 text-white">"A"</span>
            "Autopilot"
        </span>
    }
}

#[component]
pub fn PageHeader(title: &'static str, #[prop(optional)] subtitle: &'static str) -> impl IntoView {
    view! {
        <header class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
            <Show when=move || !subtitle.is_empty()>
                <p class="mt-1 text-sm text-slate-600">{subtitle}</p>
            </Show>
        </header>
    }
}

#[component]
pub fn StatCard(label: &'static str, value: String, #[prop(optional, into)] hint: String) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
            <p class="text-sm font-medium text-slate-500">{label}</p>
            <p class="mt-2 text-3xl font-semibold tracking-tight text-slate-900" data-testid=label>{value}</p>
            <p class="mt-1 text-xs text-slate-500">{hint}</p>
        </div>
    }
}

#[component]
pub fn LoadingCards() -> impl IntoView {
    view! {
        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" aria-busy="true" aria-label="Loading">
            {(0..4).map(|_| view! { <div class="h-28 animate-pulse rounded-xl bg-slate-200/70"></div> }).collect_view()}
        </div>
    }
}

#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-xl border border-red-200 bg-red-50 p-5 text-sm text-red-800">
            <p class="font-medium">"This could not be loaded."</p>
            <p class="mt-1">{error.to_string()}</p>
        </div>
    }
}

/// Usage against the plan's limit, drawn as a bar that turns amber near the
/// limit and red at it.
#[component]
pub fn UsageCard(#[prop(into)] label: String, used: i64, limit: i64) -> impl IntoView {
    let percent = if limit > 0 { (used * 100 / limit).min(100) } else { 100 };
    let test_id = label.clone();
    let colour = match percent {
        100 => "bg-red-500",
        80..=99 => "bg-amber-500",
        _ => "bg-indigo-500",
    };
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
            <p class="text-sm font-medium text-slate-500">{label}</p>
            <p class="mt-2 text-3xl font-semibold tracking-tight text-slate-900" data-testid=test_id>{format!("{} of {}", grouped(used), grouped(limit))}</p>
            <div class="mt-3 h-2 rounded-full bg-slate-100" role="img" aria-label=format!("{percent}% of the plan's limit used")>
                <div class=format!("h-2 rounded-full {colour}") style=format!("width: {percent}%")></div>
            </div>
            <p class="mt-2 text-xs text-slate-500">{if used >= limit { "Limit reached: upgrade for more" } else { "Used of your plan's limit" }}</p>
        </div>
    }
}

/// Newer and older links around a paged list's position, e.g. "Page 2 of 5".
#[component]
pub fn Pager(page: i64, pages: i64, href: impl Fn(i64) -> String + 'static, label: String) -> impl IntoView {
    view! {
        <nav class="flex items-center justify-between border-t border-slate-200 px-6 py-3 text-xs text-slate-500" aria-label="Pages">
            {(page > 1).then(|| view! { <a class="font-medium text-indigo-600 hover:underline" href=href(page - 1) rel="prev">"← Newer"</a> })}
            <span>{label}</span>
            {(page < pages).then(|| view! { <a class="font-medium text-indigo-600 hover:underline" href=href(page + 1) rel="next">"Older →"</a> })}
        </nav>
    }
}

/// A page's lists as pills, the shown one marked; `href` gives a list's
/// address.
#[component]
pub fn ListTabs(
    lists: &'static [(&'static str, &'static str)],
    active: String,
    href: impl Fn(&str) -> String + 'static,
) -> impl IntoView {
    view! {
        <nav class="flex flex-wrap gap-2" aria-label="Lists">
            {lists.iter().map(|(key, label)| {
                let shown = *key == active;
                view! {
                    <a href=href(key) aria-current=if shown { "page" } else { "false" }
                        class=if shown { "rounded-full bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white" } else { "rounded-full bg-white px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50" }>
                        {*label}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}
