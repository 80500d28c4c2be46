//! A site's automation settings, with the next five runs previewed in the
//! site's time zone and the viewer's as the schedule is edited.

use crate::app::api::sites::{PreviewSchedule, SaveSiteSettings};
use crate::app::components::{action_error, action_succeeded, ready_flag, FormError, INPUT_CLASS};
use crate::app::types::{SiteId, SiteSettings, UpcomingRun};
use leptos::prelude::*;

/// The browser's IANA zone; UTC when rendered on the server.
pub fn viewer_zone() -> String {
    #[cfg(feature = "hydrate")]
    {
        let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "UTC".into())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        "UTC".into()
    }
}

#[island(lazy)]
pub fn SettingsForm(
    site_id: SiteId,
    settings: SiteSettings,
    runs: Vec<UpcomingRun>,
    can_manage: bool,
) -> impl IntoView {
    let s = RwSignal::new(settings);
    let save = ServerAction::<SaveSiteSettings>::new();
    let preview = ServerAction::<PreviewSchedule>::new();
    let refresh = move || {
        let v = s.get_untracked();
        preview.dispatch(PreviewSchedule {
            kind: v.schedule_kind,
            times: v.schedule_times,
            cron: v.schedule_cron,
            time_zone: v.time_zone,
            viewer_zone: viewer_zone(),
        });
    };
    // Once in the browser, show the runs in the viewer's own zone.
    Effect::new(move |_| refresh());
    let shown = Signal::derive(move || match preview.value().get() {
        Some(Ok(runs)) => runs,
        _ => runs.clone(),
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveSiteSettings {
            site_id: site_id.clone(),
            settings: s.get_untracked(),
        });
    };
    view! {
        <form class="mt-4 space-y-4" on:submit=on_submit data-testid="settings-form" data-lazy="" data-ready=ready_flag()>
            <div class="grid gap-4 sm:grid-cols-2">
                <Text label="Niche" value=s field=|v| &mut v.niche placeholder="Home gardening"/>
                <Text label="Language" value=s field=|v| &mut v.language placeholder="English"/>
            </div>
            <label class="block">
                <span class="mb-1 block text-sm font-medium text-slate-700">"Topics (one per line)"</span>
                <textarea class=INPUT_CLASS rows="4" prop:value=move || s.read().topics.clone()
                    on:input=move |ev| s.update(|v| v.topics = event_target_value(&ev))></textarea>
            </label>
            <div class="grid gap-4 sm:grid-cols-3">
                <Choice label="Tone" value=s field=|v| &mut v.tone options=&[("friendly", "Friendly"), ("professional", "Professional"), ("playful", "Playful"), ("authoritative", "Authoritative"), ("neutral", "Neutral")]/>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Target length (words)"</span>
                    <input class=INPUT_CLASS type="number" min="150" max="3000" step="50" prop:value=move || s.read().target_words.to_string()
                        on:input=move |ev| s.update(|v| v.target_words = event_target_value(&ev).parse().unwrap_or(0))/>
                </label>
                <Choice label="WordPress status" value=s field=|v| &mut v.wp_status options=&[("publish", "Publish"), ("draft", "Draft"), ("future", "Scheduled in WordPress")]/>
            </div>
            <div class="grid gap-4 sm:grid-cols-3">
                <Text label="Categories (comma separated)" value=s field=|v| &mut v.categories placeholder="Garden, Tips"/>
                <Text label="Tags (comma separated)" value=s field=|v| &mut v.tags placeholder="roses"/>
                <Choice label="Approval" value=s field=|v| &mut v.approval options=&[("review", "Review first"), ("auto", "Publish automatically")]/>
            </div>
            <fieldset class="rounded-xl border border-slate-200 p-4" on:change=move |_| refresh()>
                <legend class="px-1 text-sm font-semibold">"Schedule"</legend>
                <div class="grid gap-4 sm:grid-cols-3">
                    <Choice label="Kind" value=s field=|v| &mut v.schedule_kind options=&[("daily", "Posts a day at these times"), ("cron", "Cron expression")]/>
                    <Show when=move || s.read().schedule_kind == "daily" fallback=move || view! { <Text label="Cron (min hour day month weekday)" value=s field=|v| &mut v.schedule_cron placeholder="0 9 * * 1-5"/> }>
                        <Text label="Times (24h, comma separated)" value=s field=|v| &mut v.schedule_times placeholder="09:00, 15:30"/>
                    </Show>
                    <Text label="Time zone (IANA)" value=s field=|v| &mut v.time_zone placeholder="Europe/Berlin"/>
                </div>
                <NextRuns runs=shown/>
                {move || preview.value().get().and_then(|r| r.err()).map(|e| view! { <p role="alert" class="mt-2 text-sm text-red-700">{e.to_string()}</p> })}
            </fieldset>
            <FormError error=action_error(save)/>
            <Show when=move || action_succeeded(save).get()>
                <p role="status" class="text-sm text-emerald-700">"Settings saved."</p>
            </Show>
            <Show when=move || can_manage>
                <button type="submit" disabled=move || save.pending().get() class="rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-70">
                    {move || if save.pending().get() { "Saving…" } else { "Save settings" }}
                </button>
            </Show>
        </form>
    }
}

#[component]
fn NextRuns(runs: Signal<Vec<UpcomingRun>>) -> impl IntoView {
    view! {
        <table class="mt-4 w-full text-left text-sm" data-testid="next-runs">
            <thead class="text-xs uppercase text-slate-500">
                <tr><th class="py-1 font-medium">"Next runs — site's zone"</th><th class="py-1 font-medium">"Your zone"</th></tr>
            </thead>
            <tbody class="divide-y divide-slate-100">
                {move || runs.get().into_iter().map(|r| view! {
                    <tr><td class="py-1.5">{r.in_site_zone}</td><td class="py-1.5 text-slate-600">{r.in_viewer_zone}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Text(
    label: &'static str,
    value: RwSignal<SiteSettings>,
    field: fn(&mut SiteSettings) -> &mut String,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    view! {
        <label class="block">
            <span class="mb-1 block text-sm font-medium text-slate-700">{label}</span>
            <input class=INPUT_CLASS placeholder=placeholder aria-label=label
                prop:value=move || { let mut v = value.get(); field(&mut v).clone() }
                on:input=move |ev| value.update(|v| *field(v) = event_target_value(&ev))/>
        </label>
    }
}

#[component]
fn Choice(
    label: &'static str,
    value: RwSignal<SiteSettings>,
    field: fn(&mut SiteSettings) -> &mut String,
    options: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    view! {
        <label class="block">
            <span class="mb-1 block text-sm font-medium text-slate-700">{label}</span>
            <select class=INPUT_CLASS aria-label=label on:change=move |ev| value.update(|v| *field(v) = event_target_value(&ev))>
                {options.iter().map(|(key, text)| {
                    let key = *key;
                    view! { <option value=key selected=move || { let mut v = value.get(); field(&mut v) == key }>{*text}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}
