//! One calendar for WordPress posts and social posts, a month or a week in
//! the viewer's time zone, filtered by channel. Social posts not on their
//! way yet are dragged to another day (their time of day stays).

use super::content::StepBadge;

use crate::app::api::content::{get_calendar, MoveSocialPost};
use crate::app::components::{action_error, ready_flag, reload_on_success, ErrorPanel, FormError, PageHeader};
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
    let (date, zone, channel) = (read("date"), read("tz"), read("channel"));
    let has_zone = !zone.is_empty();
    let filter = (span.clone(), date.clone(), zone.clone(), channel.clone());
    let view = Resource::new(
        move || (),
        move |_| get_calendar(span.clone(), date.clone(), zone.clone(), channel.clone()),
    );
    view! {
        <Title text="Calendar"/>
        <PageHeader title="Calendar" subtitle="WordPress posts (published and planned) and social posts, on one calendar."/>
        <ZoneSwitch has_zone/>
        <ChannelFilter span=filter.0 date=filter.1 zone=filter.2 channel=filter.3/>
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

const CHANNELS: [(&str, &str); 6] = [
    ("", "All channels"),
    ("wordpress", "WordPress"),
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("tiktok", "TikTok"),
    ("demo", "Demo channel"),
];

/// A plain GET form, so filtering works without wasm.
#[component]
fn ChannelFilter(span: String, date: String, zone: String, channel: String) -> impl IntoView {
    view! {
        <form method="get" action="/app/calendar" class="mb-4 flex items-center gap-2" data-testid="channel-filter">
            <input type="hidden" name="span" value=span/>
            <input type="hidden" name="date" value=date/>
            <input type="hidden" name="tz" value=zone/>
            <label class="text-sm text-slate-600" for="channel">"Channel"</label>
            <select id="channel" name="channel" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm">
                {CHANNELS.iter().map(|(value, label)| view! { <option value=*value selected=*value == channel>{*label}</option> }).collect_view()}
            </select>
            <button class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">"Filter"</button>
        </form>
    }
}

/// The days, and moving a social post by dragging it to another day.
#[island(lazy)]
fn Grid(cal: CalendarView) -> impl IntoView {
    let moving = ServerAction::<MoveSocialPost>::new();
    reload_on_success(moving);
    let dragged = RwSignal::new(None::<String>);
    let zone = cal.zone.clone();
    let can_move = cal.can_move;
    let channel = cal.channel.clone();
    let link = |span: &str, date: &str| {
        format!(
            "/app/calendar?span={span}&date={date}&tz={}&channel={channel}",
            cal.zone.replace('+', "%2B")
        )
    };
    let other = if cal.span == "month" { "week" } else { "month" };
    let ready = ready_flag();
    view! {
        <div data-lazy="" data-ready=ready>
        <div class="mb-4 flex flex-wrap items-center gap-2">
            <a class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm" href=link(&cal.span, &cal.previous)>"← Previous"</a>
            <h2 class="px-2 text-lg font-semibold" data-testid="calendar-title">{cal.title.clone()}</h2>
            <a class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm" href=link(&cal.span, &cal.next)>"Next →"</a>
            <a class="ml-auto text-sm text-indigo-600 underline" href=link(other, "")>{format!("Show a {other}")}</a>
            <span class="text-xs text-slate-500">{format!("Times in {}", cal.zone)}</span>
        </div>
        {can_move.then(|| view! { <p class="mb-2 text-xs text-slate-500">"Drag a social post that has not gone out to another day; it keeps its time."</p> })}
        <div class="mb-2"><FormError error=action_error(moving)/></div>
        <Show when=move || moving.pending().get()><p class="mb-2 text-sm text-slate-500" role="status">"Moving…"</p></Show>
        <div class="grid grid-cols-1 gap-px overflow-hidden rounded-2xl border border-slate-200 bg-slate-200 sm:grid-cols-7" data-testid="calendar">
            {cal.days.into_iter().map(|day| {
                let (zone, date, shown_date) = (zone.clone(), day.date.clone(), day.date.clone());
                let drop = move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    if let Some(post_id) = dragged.get_untracked() {
                        dragged.set(None);
                        moving.dispatch(MoveSocialPost { post_id, date: date.clone(), zone: zone.clone() });
                    }
                };
                view! {
                    <div class="flex" on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=drop data-testid="calendar-day" data-date=shown_date>
                        <Day day dragged can_move/>
                    </div>
                }
            }).collect_view()}
        </div>
        </div>
    }
}

#[component]
fn Day(day: CalendarDay, dragged: RwSignal<Option<String>>, can_move: bool) -> impl IntoView {
    let class = if day.in_range {
        "min-h-28 w-full bg-white p-2"
    } else {
        "min-h-28 w-full bg-slate-50 p-2 text-slate-400"
    };
    view! {
        <div class=class>
            <p class="text-xs font-medium">{day.label}</p>
            <ul class="mt-1 space-y-1">
                {day.entries.into_iter().map(|(time, e)| {
                    let movable = can_move && e.movable;
                    let id = e.social_post_id.clone().unwrap_or_default();
                    let social = e.social_post_id.is_some();
                    view! {
                    <li class=if movable { "cursor-move rounded-md bg-indigo-50 px-1.5 py-1 text-xs" } else { "rounded-md bg-slate-50 px-1.5 py-1 text-xs" }
                        data-testid="calendar-entry" data-channel=e.channel.clone()
                        draggable=if movable { "true" } else { "false" }
                        on:dragstart=move |_| if movable { dragged.set(Some(id.clone())) }>
                        <span class="font-medium">{time}</span>" "{e.site_name}
                        <p class="truncate">{match e.remote_url.clone() {
                            Some(url) => view! { <a class="text-indigo-700 underline" href=url target="_blank" rel="noopener noreferrer">{e.title.clone()}</a> }.into_any(),
                            None => view! { <span>{e.title.clone()}</span> }.into_any(),
                        }}</p>
                        {e.step.map(|step| view! { <StepBadge step/> })}
                        {social.then(|| view! { <span class="ml-1 text-[10px] uppercase text-slate-500">{e.channel.clone()}</span> })}
                    </li>
                }}).collect_view()}
            </ul>
        </div>
    }
}
