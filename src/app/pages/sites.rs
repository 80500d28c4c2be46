//! The workspace's WordPress sites: the list and adding one.

use crate::app::api::sites::{list_sites, AddSite};
use crate::app::components::{
    action_error, ErrorPanel, FormError, PageHeader, PostForm, SubmitButton, TextField, INPUT_CLASS,
};
use crate::app::layouts::ShellContext;
use crate::app::types::{Connection, Permission, SiteSummary};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SitesPage() -> impl IntoView {
    let shell = expect_context::<ShellContext>();
    let can_manage = shell.me.workspace.role.can(Permission::ManageSites);
    let sites = Resource::new(|| (), |_| list_sites());
    view! {
        <Title text="Sites"/>
        <PageHeader title="Sites" subtitle="The WordPress sites Autopilot writes for. Each has its own topics, schedule and review rules."/>
        <div class="grid gap-6 lg:grid-cols-3">
            <section class="lg:col-span-2 rounded-2xl border border-slate-200 bg-white shadow-sm">
                <Suspense fallback=|| view! { <p class="p-6 text-sm text-slate-500">"Loading sites…"</p> }>
                    {move || Suspend::new(async move {
                        match sites.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="p-8 text-center text-sm text-slate-600" data-testid="no-sites">"No sites yet. Add your first WordPress site to start."</p>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="divide-y divide-slate-100" data-testid="site-list">
                                    {list.into_iter().map(|site| view! { <SiteRow site/> }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(error) => view! { <div class="p-6"><ErrorPanel error/></div> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <Show when=move || can_manage fallback=|| view! { <p class="text-sm text-slate-500">"Managers and above can add sites."</p> }>
                <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
                    <h2 class="text-base font-semibold">"Add a site"</h2>
                    <p class="mt-1 text-xs text-slate-500">"Use an application password (WordPress → Users → Profile → Application Passwords), not your login password."</p>
                    <AddSiteForm/>
                </section>
            </Show>
        </div>
    }
}

#[component]
fn SiteRow(site: SiteSummary) -> impl IntoView {
    let href = format!("/app/sites/{}", site.id);
    view! {
        <li>
            <a href=href class="flex items-center justify-between gap-4 px-6 py-4 hover:bg-slate-50">
                <div class="min-w-0">
                    <p class="truncate text-sm font-medium text-slate-900">{site.name}</p>
                    <p class="truncate text-xs text-slate-500">{site.url}</p>
                </div>
                <div class="flex shrink-0 items-center gap-2">
                    <ConnectionBadge connection=site.connection/>
                    <span class=if site.automation_on { "rounded-full bg-indigo-100 px-2.5 py-0.5 text-xs font-medium text-indigo-800" } else { "rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-600" }>
                        {if site.automation_on { "Automation on" } else { "Automation off" }}
                    </span>
                </div>
            </a>
        </li>
    }
}

#[component]
pub fn ConnectionBadge(connection: Connection) -> impl IntoView {
    let (class, label) = match connection {
        Connection::Connected => ("bg-emerald-100 text-emerald-800", "Connected"),
        Connection::Attention => ("bg-red-100 text-red-800", "Needs attention"),
        Connection::Unknown => ("bg-slate-100 text-slate-600", "Not tested"),
    };
    view! { <span class=format!("rounded-full px-2.5 py-0.5 text-xs font-medium {class}") data-testid="connection">{label}</span> }
}

/// On success the server redirects to the new site's page.
#[island]
fn AddSiteForm() -> impl IntoView {
    let action = ServerAction::<AddSite>::new();
    view! {
        <PostForm action class="mt-4 space-y-4" testid="add-site-form" read=|f| AddSite {
            name: f.text("name"),
            url: f.text("url"),
            username: f.text("username"),
            password: f.text("password"),
        }>
            <TextField label="Name" name="name" placeholder="Garden blog" maxlength=80/>
            <TextField label="Address" name="url" kind="url" placeholder="https://blog.example.com"/>
            <TextField label="WordPress username" name="username" autocomplete="off" maxlength=60/>
            <label class="block">
                <span class="mb-1 block text-sm font-medium text-slate-700">"Application password"</span>
                <input class=INPUT_CLASS type="password" name="password" autocomplete="new-password" maxlength="200" required/>
                <span class="mt-1 block text-xs text-slate-500">"Stored encrypted; never shown again."</span>
            </label>
            <FormError error=action_error(action)/>
            <SubmitButton label="Add site" pending_label="Adding…" pending=action.pending()/>
        </PostForm>
    }
}
