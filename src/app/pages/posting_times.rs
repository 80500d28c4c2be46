//! Posting times: each account's recurring slots ("3 posts a week at 18:00
//! on Instagram"), the next ones, and how many posts wait in its queue.

use crate::app::api::social::{posting_times, SavePostingTimes};
use crate::app::components::{
    action_error, action_succeeded, ready_flag, reload_on_success, ErrorPanel, FormError, PageHeader, PostForm,
    SubmitButton, INPUT_CLASS,
};
use crate::app::types::{PostingTimes, PostingTimesPage};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PostingTimesPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| posting_times());
    view! {
        <Title text="Posting times"/>
        <PageHeader title="Posting times" subtitle="When each account posts from its queue: posts written for \"the next posting time\" go out at the first slot of their accounts."/>
        <p class="mb-4 text-sm"><a class="font-medium text-indigo-700 hover:underline" href="/app/social">"← Social posts"</a></p>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading posting times…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Accounts page/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Accounts(page: PostingTimesPage) -> impl IntoView {
    if page.accounts.is_empty() {
        return view! {
            <section class="rounded-2xl border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="no-accounts">
                "No account is connected. "<a class="font-medium text-indigo-700 hover:underline" href="/app/channels">"Connect one under Channels"</a>" (the demo channel needs nothing), then give it posting times."
            </section>
        }
        .into_any();
    }
    let can_edit = page.can_edit;
    view! {
        <div class="grid gap-6 lg:grid-cols-2">
            {page.accounts.into_iter().map(|times| view! { <AccountTimes times can_edit/> }).collect_view()}
        </div>
    }
    .into_any()
}

#[component]
fn AccountTimes(times: PostingTimes, can_edit: bool) -> impl IntoView {
    let waiting = match times.waiting {
        0 => "No post waits in its queue.".to_string(),
        1 => "1 post waits in its queue.".to_string(),
        n => format!("{n} posts wait in its queue."),
    };
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="posting-times">
            <h2 class="text-base font-semibold">{format!("{} ({})", times.account.name, times.account.platform.label())}</h2>
            <p class="mt-1 text-sm text-slate-600" data-testid="queue-length">{waiting}</p>
            {if times.next.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-500" data-testid="next-slots">"No posting times running."</p> }.into_any()
            } else {
                view! {
                    <div class="mt-2 text-sm" data-testid="next-slots">
                        <p class="font-medium text-slate-700">"Next posting times"</p>
                        <ul class="mt-1 list-disc pl-5 text-slate-600">
                            {times.next.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}
                        </ul>
                    </div>
                }.into_any()
            }}
            <TimesForm account_id=times.account.id.clone() kind=times.kind.clone() times=times.times.clone()
                cron=times.cron.clone() time_zone=times.time_zone.clone() active=times.active can_edit/>
        </section>
    }
}

#[island(lazy)]
fn TimesForm(
    account_id: String,
    kind: String,
    times: String,
    cron: String,
    time_zone: String,
    active: bool,
    can_edit: bool,
) -> impl IntoView {
    let action = ServerAction::<SavePostingTimes>::new();
    reload_on_success(action);
    let saved = action_succeeded(action);
    let daily = RwSignal::new(kind == "daily");
    view! {
        <div class="mt-4" data-lazy="" data-ready=ready_flag()>
            <PostForm action class="grid gap-3" testid="times-form" read=|f| SavePostingTimes {
                account_id: f.text("account_id"),
                kind: f.text("kind"),
                times: f.text("times"),
                cron: f.text("cron"),
                time_zone: f.text("time_zone"),
                active: f.text("active"),
            }>
                <input type="hidden" name="account_id" value=account_id/>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Kind"</span>
                    <select class=INPUT_CLASS name="kind" disabled=!can_edit on:change=move |ev| daily.set(event_target_value(&ev) == "daily")>
                        <option value="cron" selected=kind != "daily">"On chosen days (cron)"</option>
                        <option value="daily" selected=kind == "daily">"Every day at these times"</option>
                    </select>
                </label>
                <label class="block" class:hidden=move || !daily.get()>
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Times (24h, comma separated)"</span>
                    <input class=INPUT_CLASS name="times" value=times placeholder="09:00, 18:00" disabled=!can_edit/>
                </label>
                <label class="block" class:hidden=move || daily.get()>
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Cron (minute hour day month weekday)"</span>
                    <input class=INPUT_CLASS name="cron" value=cron placeholder="0 18 * * 1,3,5" disabled=!can_edit data-testid="times-cron"/>
                    <span class="mt-1 block text-xs text-slate-500">"\"0 18 * * 1,3,5\" is 3 posts a week at 18:00: Monday, Wednesday and Friday."</span>
                </label>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Time zone"</span>
                    <input class=INPUT_CLASS name="time_zone" value=time_zone required maxlength="64" disabled=!can_edit/>
                </label>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Posting"</span>
                    <select class=INPUT_CLASS name="active" disabled=!can_edit data-testid="times-active">
                        <option value="on" selected=active>"Running"</option>
                        <option value="off" selected=!active>"Stopped"</option>
                    </select>
                </label>
                <FormError error=action_error(action)/>
                <Show when=move || saved.get()>
                    <p role="status" class="text-sm text-emerald-700">"Saved."</p>
                </Show>
                {can_edit.then(|| view! { <SubmitButton label="Save posting times" pending_label="Saving…" pending=action.pending()/> })}
            </PostForm>
        </div>
    }
}
