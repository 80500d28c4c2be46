//! The API keys page: make a key (shown once), see each key's prefix,
//! scopes, expiry and last use, and revoke it.

use crate::app::api::api_keys::{list_api_keys, RevokeApiKey};
use crate::app::components::{ConfirmedPost, ErrorPanel, PageHeader, Pager, TextField, UrlError};
use crate::app::pages::query::{page_href, page_param};
use crate::app::types::{ApiKeyList, ApiKeySummary, FormDraft, Scope};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

const SELECT: &str = "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm";

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let page = page_param();
    let keys = Resource::new(|| (), move |_| list_api_keys(page));
    view! {
        <Title text="API keys"/>
        <PageHeader title="API keys" subtitle="Keys let programs use the REST API for this workspace, acting as you: never with more than your role, and only within the key's scopes."/>
        <UrlError/>
        <p class="mb-6 text-sm text-slate-600">
            "Send a key as "<code class="rounded bg-slate-100 px-1">"Authorization: Bearer ap_live_…"</code>
            " to "<code class="rounded bg-slate-100 px-1">"/api/v1"</code>". "
            <a class="font-medium text-indigo-600 underline" href="/api/v1/docs" rel="external">"API reference"</a>
        </p>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(page) => view! {
                        {page.can_create.then(|| view! { <CreateKeyForm max=page.max_scope draft=page.draft.clone()/> })}
                        <KeyList page/>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A plain form: the key comes back on a page of its own, once
/// (`server::rest::new_key`); after a refusal the form is as it was.
#[component]
fn CreateKeyForm(max: Scope, draft: FormDraft) -> impl IntoView {
    let scopes = draft.value("scopes").unwrap_or_else(|| "read write".into());
    let expiry = draft.value("expires_in_days").unwrap_or_else(|| "90".into());
    let option = move |value: &'static str, label: &'static str| {
        view! { <option value=value selected=expiry == value>{label}</option> }
    };
    view! {
        <section class="mb-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-base font-semibold">"New key"</h2>
            <form method="post" action="/app/api-keys/new" class="mt-4 grid gap-3 sm:grid-cols-4 sm:items-end" data-testid="api-key-form">
                <div class="sm:col-span-2"><TextField label="Name" name="name" placeholder="Zapier" maxlength=60 value=draft.value("name").unwrap_or_default()/></div>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Access"</span>
                    <select class=SELECT name="scopes">
                        <option value="read" selected=scopes == "read">"Read only"</option>
                        {(max >= Scope::Write).then(|| view! { <option value="read write" selected=scopes == "read write">"Read and write"</option> })}
                        {(max >= Scope::Admin).then(|| view! { <option value="read write admin" selected=scopes == "read write admin">"Everything, members and billing too"</option> })}
                    </select>
                </label>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Expires"</span>
                    <select class=SELECT name="expires_in_days">
                        {option("30", "In 30 days")}
                        {option("90", "In 90 days")}
                        {option("365", "In a year")}
                        {option("", "Never")}
                    </select>
                </label>
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 sm:col-span-4 sm:w-48">"Create key"</button>
            </form>
        </section>
    }
}

#[component]
fn KeyList(page: ApiKeyList) -> impl IntoView {
    let label = format!("{} key{}", page.total, if page.total == 1 { "" } else { "s" });
    let whose = if page.sees_all {
        "Every key of this workspace"
    } else {
        "Your keys"
    };
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white shadow-sm">
            <h2 class="border-b border-slate-200 px-6 py-4 text-base font-semibold">{whose}</h2>
            {if page.keys.is_empty() {
                view! { <p class="px-6 py-6 text-sm text-slate-500">"No keys yet. A key you create appears here with its prefix; the key itself is shown only once."</p> }.into_any()
            } else {
                view! { <ul class="divide-y divide-slate-100">{page.keys.into_iter().map(|k| view! { <KeyRow k/> }).collect_view()}</ul> }.into_any()
            }}
            <Pager page=page.page pages=page.pages href=page_href("/app/api-keys", &[]) label/>
        </section>
    }
}

#[component]
fn KeyRow(k: ApiKeySummary) -> impl IntoView {
    let scopes = k
        .scopes
        .iter()
        .map(|s: &Scope| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let state = if k.revoked {
        "Revoked".to_string()
    } else {
        k.expiry.clone()
    };
    view! {
        <li class="flex flex-col gap-2 px-6 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="api-key">
            <div class="min-w-0">
                <p class="text-sm font-medium">{k.name}" "<code class="text-xs text-slate-500">{format!("{}…", k.prefix)}</code></p>
                <p class="text-xs text-slate-500">{format!("{scopes} · by {} · created {}", k.created_by, k.created)}</p>
                <p class=if k.revoked || k.expired { "text-xs text-amber-700" } else { "text-xs text-slate-500" }>{format!("{state} · {}", k.last_used)}</p>
            </div>
            {k.can_revoke.then(|| view! {
                <ConfirmedPost action=RevokeApiKey::url().to_string() fields=vec![("key_id", k.id)] label="Revoke"
                    question="Programs using this key stop working at once." confirm="Yes, revoke" testid="revoke-key"/>
            })}
        </li>
    }
}
