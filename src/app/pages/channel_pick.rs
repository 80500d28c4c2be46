//! After a Facebook sign-in: tick the Pages and Instagram accounts to post
//! to. What the sign-in found waits on the server (with its tokens) for a
//! quarter of an hour; this page shows names only. A plain form, no wasm.

use crate::app::api::social::pending_channels;
use crate::app::components::{ErrorPanel, PageHeader, UrlError};
use crate::app::types::{PickCandidate, PickList, Platform, PICKED_PATH};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ChannelPickPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| pending_channels());
    view! {
        <Title text="Choose accounts"/>
        <PageHeader title="Choose accounts" subtitle="Facebook shared these Pages, and the Instagram accounts linked to them."/>
        <UrlError/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading what Facebook shared…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) => view! { <Pick list/> }.into_any(),
                    Err(error) => view! {
                        <ErrorPanel error/>
                        <a href="/app/channels" class="text-sm font-medium text-indigo-600 underline">"Back to Channels"</a>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Pick(list: PickList) -> impl IntoView {
    let room = match list.room {
        0 => "Your plan has no room for more accounts: only ones connected already can be picked again.".to_owned(),
        1 => "Your plan has room for 1 more account.".to_owned(),
        n => format!("Your plan has room for {n} more accounts."),
    };
    view! {
        <form method="post" action=PICKED_PATH class="rounded-2xl border border-slate-200 bg-white shadow-sm">
            <p class="border-b border-slate-200 px-6 py-3 text-sm text-slate-600" data-testid="pick-room">{room}</p>
            <ul class="divide-y divide-slate-100">
                {list.candidates.into_iter().map(|c| view! { <Candidate c/> }).collect_view()}
            </ul>
            <div class="flex items-center gap-3 border-t border-slate-200 px-6 py-4">
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
                    "Connect the ticked accounts"
                </button>
                <a href="/app/channels" class="text-sm text-slate-600 underline">"Cancel"</a>
            </div>
        </form>
    }
}

#[component]
fn Candidate(c: PickCandidate) -> impl IntoView {
    let detail = match (c.platform, c.via.is_empty()) {
        (Platform::Instagram, false) => format!("Instagram {} · linked to {}", c.username, c.via),
        (platform, _) => platform.label().to_owned(),
    };
    let id = format!("pick-{}", c.key.replace(':', "-"));
    view! {
        <li class="flex items-center gap-3 px-6 py-3 text-sm" data-testid="pick-candidate">
            <input type="checkbox" name="account" value=c.key id=id.clone() checked=!c.connected
                class="h-4 w-4 rounded border-slate-300 text-indigo-600"/>
            <label for=id class="min-w-0">
                <span class="font-medium">{c.name}</span>
                {c.connected.then(|| view! { <span class="ml-2 rounded bg-emerald-50 px-1.5 py-0.5 text-xs text-emerald-700">"Connected"</span> })}
                <span class="block text-xs text-slate-500">{detail}</span>
            </label>
        </li>
    }
}
