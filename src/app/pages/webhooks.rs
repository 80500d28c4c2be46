//! The webhooks page: endpoints that receive the workspace's events, each
//! with its events, secret roll and removal, and the delivery log of one
//! endpoint with the answers it got and a re-send. Plain forms, no wasm.

use crate::app::api::webhooks::{webhooks_page, RemoveWebhook, ResendWebhook};
use crate::app::components::{ConfirmedPost, ErrorPanel, PageHeader, Pager, TextField, UrlError, INPUT_CLASS};
use crate::app::pages::query::{page_href, page_param, param};
use crate::app::types::{FormDraft, WebhookDeliverySummary, WebhookEndpointSummary, WebhookPage};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

const BUTTON: &str =
    "rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500";

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let (endpoint, page) = (param("endpoint"), page_param());
    let data = Resource::new(|| (), move |_| webhooks_page(endpoint.clone(), page));
    view! {
        <Title text="Webhooks"/>
        <PageHeader title="Webhooks" subtitle="Autopilot calls your endpoints when posts are published or fail, jobs give up, a site needs attention or the plan changes."/>
        <UrlError/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading webhooks…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Webhooks page/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Webhooks(page: WebhookPage) -> impl IntoView {
    let shown = param("endpoint");
    let shown = if shown.is_empty() {
        page.endpoints.first().map(|e| e.id.clone()).unwrap_or_default()
    } else {
        shown
    };
    let can_manage = page.can_manage;
    let log_label = format!("{} page{}", page.pages, if page.pages == 1 { "" } else { "s" });
    view! {
        {can_manage.then(|| view! { <NewEndpointForm events=page.events.clone() draft=page.draft.clone()/> })}
        <section class="mb-4 rounded-2xl border border-slate-200 bg-white shadow-sm">
            <h2 class="border-b border-slate-200 px-6 py-4 text-base font-semibold">"Endpoints"</h2>
            {if page.endpoints.is_empty() {
                view! { <p class="px-6 py-6 text-sm text-slate-500">"No endpoints yet. Add one above; its deliveries appear below."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100">
                        {page.endpoints.into_iter().map(|e| {
                            let selected = e.id == shown;
                            view! { <EndpointRow e selected can_manage/> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {(!shown.is_empty()).then(|| view! {
            <section class="rounded-2xl border border-slate-200 bg-white shadow-sm">
                <h2 class="border-b border-slate-200 px-6 py-4 text-base font-semibold">"Deliveries"</h2>
                {if page.deliveries.is_empty() {
                    view! { <p class="px-6 py-6 text-sm text-slate-500">"Nothing sent to this endpoint yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100">
                            {page.deliveries.into_iter().map(|d| view! { <DeliveryRow d can_manage/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <Pager page=page.page pages=page.pages href=page_href("/app/webhooks", &["endpoint"]) label=log_label/>
            </section>
        })}
        <SigningHelp/>
    }
}

/// Every event is ticked at first; after a refusal the form is as it was.
#[component]
fn NewEndpointForm(events: Vec<String>, draft: FormDraft) -> impl IntoView {
    view! {
        <section class="mb-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-base font-semibold">"New endpoint"</h2>
            <form method="post" action="/app/webhooks/new" class="mt-4 grid gap-3" data-testid="webhook-form">
                <TextField label="Address" name="url" placeholder="https://example.com/hooks/autopilot" maxlength=500
                    value=draft.value("url").unwrap_or_default()/>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Description (optional)"</span>
                    <input class=INPUT_CLASS type="text" name="description" placeholder="Slack relay" maxlength="200"
                        value=draft.value("description").unwrap_or_default()/>
                </label>
                <fieldset>
                    <legend class="mb-1 text-sm font-medium text-slate-700">"Events"</legend>
                    <div class="flex flex-wrap gap-x-4 gap-y-1">
                        {events.into_iter().map(|e| {
                            let ticked = draft.is_empty() || draft.has("events", &e);
                            view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" name="events" value=e.clone() checked=ticked/>
                                <code>{e}</code>
                            </label>
                        }}).collect_view()}
                    </div>
                </fieldset>
                <button type="submit" class=BUTTON>"Add endpoint"</button>
            </form>
        </section>
    }
}

#[component]
fn EndpointRow(e: WebhookEndpointSummary, selected: bool, can_manage: bool) -> impl IntoView {
    let log = format!("/app/webhooks?endpoint={}", e.id);
    view! {
        <li class=if selected { "bg-indigo-50/50 px-6 py-3" } else { "px-6 py-3" } data-testid="webhook-endpoint">
            <div class="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
                <div class="min-w-0">
                    <a class="break-all text-sm font-medium text-indigo-700 underline" href=log>{e.url}</a>
                    {(!e.description.is_empty()).then(|| view! { <p class="text-xs text-slate-600">{e.description}</p> })}
                    <p class="text-xs text-slate-500">{e.events.join(", ")}</p>
                    <p class="text-xs text-slate-500">{e.last_delivery.unwrap_or_else(|| "Nothing sent yet".into())}</p>
                    {e.previous_secret_until.map(|until| view! {
                        <p class="text-xs text-amber-700">{format!("The previous secret also signs until {until}.")}</p>
                    })}
                </div>
                {can_manage.then(|| view! {
                    <div class="flex items-start gap-1">
                        <form method="post" action="/app/webhooks/roll">
                            <input type="hidden" name="endpoint_id" value=e.id.clone()/>
                            <button type="submit" class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100">"Roll secret"</button>
                        </form>
                        <ConfirmedPost action=RemoveWebhook::url().to_string() fields=vec![("endpoint_id", e.id)] label="Remove"
                            question="Nothing more is sent there, and its delivery log goes too." confirm="Yes, remove" testid="remove-webhook"/>
                    </div>
                })}
            </div>
        </li>
    }
}

#[component]
fn DeliveryRow(d: WebhookDeliverySummary, can_manage: bool) -> impl IntoView {
    let (badge, tone) = match d.status.as_str() {
        "delivered" => ("Delivered", "bg-emerald-50 text-emerald-700"),
        "failed" => ("Failed", "bg-red-50 text-red-700"),
        "retrying" => ("Retrying", "bg-amber-50 text-amber-800"),
        _ => ("Pending", "bg-slate-100 text-slate-700"),
    };
    let answer = match (d.response_code, d.error.is_empty()) {
        (Some(code), true) => format!("Answered {code}"),
        (_, false) => d.error.clone(),
        (None, true) => "Not tried yet".into(),
    };
    let tries = format!("{} attempt{}", d.attempts, if d.attempts == 1 { "" } else { "s" });
    view! {
        <li class="flex flex-col gap-2 px-6 py-3 sm:flex-row sm:items-start sm:justify-between" data-testid="webhook-delivery">
            <div class="min-w-0 text-sm">
                <p>
                    <span class=format!("mr-2 rounded px-1.5 py-0.5 text-xs font-medium {tone}")>{badge}</span>
                    <code>{d.event}</code>" "<span class="text-xs text-slate-500">{d.when}</span>
                </p>
                <p class="text-xs text-slate-600">{format!("{answer} · {tries}")}
                    {d.next_attempt.map(|t| format!(" · next try {t}"))}</p>
                <p class="text-xs text-slate-400"><code>{d.event_id}</code></p>
                {(!d.response_excerpt.is_empty()).then(|| view! {
                    <pre class="mt-1 max-h-24 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs text-slate-600">{d.response_excerpt}</pre>
                })}
            </div>
            {can_manage.then(|| view! {
                <form method="post" action=ResendWebhook::url()>
                    <input type="hidden" name="delivery_id" value=d.id/>
                    <button type="submit" class="rounded-lg px-3 py-1.5 text-sm font-medium text-indigo-700 hover:bg-indigo-50">"Re-send"</button>
                </form>
            })}
        </li>
    }
}

/// How a receiver checks a delivery (the Standard Webhooks scheme).
#[component]
fn SigningHelp() -> impl IntoView {
    view! {
        <section class="mt-4 rounded-2xl border border-slate-200 bg-white p-6 text-sm text-slate-700 shadow-sm">
            <h2 class="text-base font-semibold text-slate-900">"Checking a delivery"</h2>
            <p class="mt-2">"Each delivery is a POST of JSON with three headers: "<code>"webhook-id"</code>" (the event's id, the same on every retry), "
                <code>"webhook-timestamp"</code>" (unix seconds) and "<code>"webhook-signature"</code>"."</p>
            <p class="mt-2">"The signature is "<code>"v1,"</code>" and the base64 HMAC-SHA256 of "
                <code>"{webhook-id}.{webhook-timestamp}.{body}"</code>", keyed with the base64-decoded part of your secret after "<code>"whsec_"</code>
                ". After a roll it holds two signatures, separated by a space: accept either. Refuse timestamps more than five minutes old. "
                "This is the Standard Webhooks scheme, so its libraries check it for you."</p>
            <p class="mt-2">"Answer with any 2xx within 10 seconds. Anything else is retried with growing pauses, for about three hours, then marked failed; you can re-send it from the log."</p>
        </section>
    }
}
