//! One site: its connection, automation switch, credentials and settings.

use super::site_settings::SettingsForm;
use super::sites::ConnectionBadge;
use crate::app::api::content::RunSiteNow;
use crate::app::api::sites::{get_site, DeleteSite, SetAutomation, TestConnection, UpdateSite};
use crate::app::components::{
    action_error, reload_on_success, ErrorPanel, FormError, PostForm, SubmitButton, INPUT_CLASS,
};
use crate::app::layouts::ShellContext;
use crate::app::types::{Connection, Permission, SiteDetail, SiteId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn SitePage() -> impl IntoView {
    let params = use_params_map();
    let shell = expect_context::<ShellContext>();
    let can_manage = shell.me.workspace.role.can(Permission::ManageSites);
    let detail = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        |id| get_site(SiteId::new(id), "UTC".into()),
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the site…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <SiteView detail can_manage/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SiteView(detail: SiteDetail, can_manage: bool) -> impl IntoView {
    let site = detail.site.clone();
    view! {
        <Title text=site.name.clone()/>
        <a href="/app/sites" class="text-sm text-indigo-600 hover:underline">"← All sites"</a>
        <header class="mt-2 mb-6 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight">{site.name.clone()}</h1>
            <a href=site.url.clone() class="text-sm text-slate-500 hover:underline" rel="noopener noreferrer" target="_blank">{site.url.clone()}</a>
        </header>
        {(!site.connection_detail.is_empty()).then(|| view! {
            <p class="mb-4 text-sm text-slate-600" data-testid="connection-detail">{site.connection_detail.clone()}</p>
        })}
        <SiteActions site_id=detail.site.id.clone() connection=site.connection automation_on=detail.site.automation_on can_manage/>
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <section class="lg:col-span-2 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
                <h2 class="text-base font-semibold">"What to write and when"</h2>
                <SettingsForm site_id=detail.site.id.clone() settings=detail.settings.clone() runs=detail.next_runs.clone() can_manage/>
            </section>
            <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
                <h2 class="text-base font-semibold">"Connection"</h2>
                <CredentialsForm site_id=site.id.clone() name=site.name.clone() url=site.url.clone() username=site.username.clone() can_manage/>
            </section>
        </div>
    }
}

/// The connection badge, test connection, start/stop, run now and delete
/// (with a confirmation step). The badge follows the latest test.
#[island]
fn SiteActions(site_id: SiteId, connection: Connection, automation_on: bool, can_manage: bool) -> impl IntoView {
    let test = ServerAction::<TestConnection>::new();
    let toggle = ServerAction::<SetAutomation>::new();
    let run = ServerAction::<RunSiteNow>::new();
    let delete = ServerAction::<DeleteSite>::new();
    reload_on_success(toggle);
    let confirming = RwSignal::new(false);
    let button = "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm font-medium shadow-sm hover:bg-slate-50 disabled:opacity-60";
    let (id1, id2, id3, id4) = (site_id.clone(), site_id.clone(), site_id.clone(), site_id);
    view! {
        <div class="flex flex-wrap items-center gap-2" data-testid="site-actions">
            {move || {
                let connection = test.value().get().and_then(|r| r.ok()).map_or(connection, |c| c.connection);
                view! { <ConnectionBadge connection/> }
            }}
            <button class=button disabled=move || !can_manage || test.pending().get() on:click=move |_| { test.dispatch(TestConnection { site_id: id1.clone() }); }>
                {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
            </button>
            <button class=button disabled=move || !can_manage || toggle.pending().get() on:click=move |_| { toggle.dispatch(SetAutomation { site_id: id2.clone(), on: !automation_on }); }>
                {if automation_on { "Stop automation" } else { "Start automation" }}
            </button>
            <button class=button disabled=move || run.pending().get() on:click=move |_| { run.dispatch(RunSiteNow { site_id: id3.clone() }); }>
                {move || if run.pending().get() { "Queuing…" } else { "Run now" }}
            </button>
            <Show when=move || can_manage && !confirming.get()>
                <button class="rounded-lg px-3 py-2 text-sm font-medium text-red-700 hover:bg-red-50" on:click=move |_| confirming.set(true)>"Delete site"</button>
            </Show>
            <Show when=move || confirming.get()>
                <span class="flex items-center gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-1.5 text-sm text-red-800">
                    "Delete this site with its jobs and stored posts? Posts on WordPress stay."
                    <button class="rounded-md bg-red-600 px-2 py-1 font-medium text-white" on:click={
                        let id = id4.clone();
                        move |_| { delete.dispatch(DeleteSite { site_id: id.clone() }); }
                    }>"Delete"</button>
                    <button class="rounded-md px-2 py-1 font-medium" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </span>
            </Show>
        </div>
        <div class="mt-3 space-y-2">
            {move || test.value().get().map(|result| match result {
                Ok(check) => view! {
                    <p role="status" data-testid="connection-result" class=if check.ok { "rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800" } else { "rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" }>
                        <strong>{check.outcome}</strong>" — "{check.detail}
                    </p>
                }.into_any(),
                Err(e) => view! { <p role="alert" class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
            })}
            {move || run.value().get().map(|result| match result {
                Ok(_) => view! { <p role="status" data-testid="run-queued" class="text-sm text-slate-700">"Queued. Follow it on "<a class="text-indigo-600 underline" href="/app/content?list=active">"Content"</a>"."</p> }.into_any(),
                Err(e) => view! { <p role="alert" class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
            })}
            <FormError error=action_error(toggle)/>
            <FormError error=action_error(delete)/>
        </div>
    }
}

/// The password field is write-only: empty keeps the stored password.
#[island]
fn CredentialsForm(site_id: SiteId, name: String, url: String, username: String, can_manage: bool) -> impl IntoView {
    let action = ServerAction::<UpdateSite>::new();
    reload_on_success(action);
    view! {
        <PostForm action class="mt-4 space-y-3" read=|f| UpdateSite {
            site_id: SiteId::new(f.text("site_id")),
            name: f.text("name"),
            url: f.text("url"),
            username: f.text("username"),
            password: f.text("password"),
        }>
            <input type="hidden" name="site_id" value=site_id.to_string()/>
            <Field label="Name" name="name" value=name/>
            <Field label="Address" name="url" value=url/>
            <Field label="WordPress username" name="username" value=username/>
            <label class="block">
                <span class="mb-1 block text-sm font-medium text-slate-700">"Application password"</span>
                <input class=INPUT_CLASS type="password" name="password" autocomplete="new-password" placeholder="Stored — type a new one to replace it" maxlength="200"/>
            </label>
            <FormError error=action_error(action)/>
            <Show when=move || can_manage>
                <SubmitButton label="Save connection" pending_label="Saving…" pending=action.pending()/>
            </Show>
        </PostForm>
    }
}

#[component]
fn Field(label: &'static str, name: &'static str, value: String) -> impl IntoView {
    view! {
        <label class="block">
            <span class="mb-1 block text-sm font-medium text-slate-700">{label}</span>
            <input class=INPUT_CLASS name=name value=value maxlength="200" required/>
        </label>
    }
}
