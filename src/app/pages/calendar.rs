//! A month or week of scheduled and published posts, per site, in the
//! viewer's time zone.

use super::content::StepBadge;

use crate::app::api::content::get_calendar;
use crate::app::components::{ErrorPanel, PageHeader};
use crate::app::types::{CalendarDay, CalendarView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CalendarPage() -> impl IntoView {
    let query = use_query_map();
    let read = move |key: &str| query.read_untracked().get(key).unwrap_or_default();
    let span = if read("span") == "week" {
        "week".to_string()
    } else {
        "month".to_string()
    };
    let (date, zone) = (read("date"), read("tz"));
    let has_zone = !zone.is_empty();
    let view = Resource::new(
        move || (),
        move |_| get_calendar(span.clone(), date.clone(), zone.clone()),
    );
    view! {
        <Title text="Calendar"/>
        <PageHeader title="Calendar" subtitle="Published and planned posts of every site with automation on."/>
        <ZoneSwitch has_zone/>
        <Suspense fallback=|| view! { <div class="h-96 animate-pulse rounded-2xl bg-slate-200/70"></div> }>
            {move || Suspend::new(async move {
                match view.await {
                    Ok(cal) => view! { <Grid cal/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The server does not know the viewer's zone: the browser adds it to the
/// page's address once (calendar and analytics lay days out in it).
#[island]
pub fn ZoneSwitch(has_zone: bool) -> impl IntoView {
    Effect::new(move |_| {
        let _ = has_zone;
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window().filter(|_| !has_zone) {
            let search = window.location().search().unwrap_or_default();
            let path = window.location().pathname().unwrap_or_default();
            let joiner = if search.is_empty() { "?" } else { "&" };
            let _ = window.location().replace(&format!(
                "{path}{search}{joiner}tz={}",
                String::from(js_sys::encode_uri_component(&super::site_settings::viewer_zone()))
            ));
        }
    });
}

#[component]
fn Grid(cal: CalendarView) -> impl IntoView {
    let link = |span: &str, date: &str| {
        format!(
            "/app/calendar?span={span}&date={date}&tz={}",
            cal.zone.replace('+', "%2B")
        )
    };
    let other = if cal.span == "month" { "week" } else { "month" };
    view! {
        <div class="mb-4 flex flex-wrap items-center gap-2">
            <a class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm" href=link(&cal.span, &cal.previous)>"← Previous"</a>
            <h2 class="px-2 text-lg font-semibold" data-testid="calendar-title">{cal.title.clone()}</h2>
            <a class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm" href=link(&cal.span, &cal.next)>"Next →"</a>
            <a class="ml-auto text-sm text-indigo-600 underline" href=link(other, "")>{format!("Show a {other}")}</a>
            <span class="text-xs text-slate-500">{format!("Times in {}", cal.zone)}</span>
        </div>
        <div class="grid grid-cols-1 gap-px overflow-hidden rounded-2xl border border-slate-200 bg-slate-200 sm:grid-cols-7" data-testid="calendar">
            {cal.days.into_iter().map(|day| view! { <Day day/> }).collect_view()}
        </div>
    }
}

#[component]
fn Day(day: CalendarDay) -> impl IntoView {
    let class = if day.in_range {
        "min-h-28 bg-white p-2"
    } else {
        "min-h-28 bg-slate-50 p-2 text-slate-400"
    };
    view! {
        <div class=class>
            <p class="text-xs font-medium">{day.label}</p>
            <ul class="mt-1 space-y-1">
                {day.entries.into_iter().map(|(time, e)| view! {
                    <li class="rounded-md bg-slate-50 px-1.5 py-1 text-xs" data-testid="calendar-entry">
                        <span class="font-medium">{time}</span>" "{e.site_name}
                        <p class="truncate">{match e.remote_url.clone() {
                            Some(url) => view! { <a class="text-indigo-700 underline" href=url target="_blank" rel="noopener noreferrer">{e.title.clone()}</a> }.into_any(),
                            None => view! { <span>{e.title.clone()}</span> }.into_any(),
                        }}</p>
                        {e.step.map(|step| view! { <StepBadge step/> })}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}
