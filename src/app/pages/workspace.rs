//! Creating a workspace, and the workspace's settings.

use crate::app::api::workspaces::{list_members, CreateWorkspace, RenameWorkspace};
use crate::app::components::{
    action_error, reload_on_success, ErrorPanel, FormError, PageHeader, PostForm, SubmitButton, TextField, INPUT_CLASS,
};
use crate::app::layouts::ShellContext;
use crate::app::types::{MemberSummary, Permission, TenantId};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NewWorkspacePage() -> impl IntoView {
    view! {
        <Title text="New workspace"/>
        <PageHeader title="New workspace" subtitle="A separate space with its own sites, content, members and plan. You will be its owner."/>
        <div class="max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <NewWorkspaceForm/>
        </div>
    }
}

/// On success the server redirects to the new workspace's dashboard.
#[island]
fn NewWorkspaceForm() -> impl IntoView {
    let action = ServerAction::<CreateWorkspace>::new();
    view! {
        <PostForm action class="space-y-4" testid="new-workspace-form" read=|f| CreateWorkspace { name: f.text("name") }>
            <TextField label="Workspace name" name="name" placeholder="Client: Blue Bakery" maxlength=60/>
            <FormError error=action_error(action)/>
            <SubmitButton label="Create workspace" pending_label="Creating…" pending=action.pending()/>
        </PostForm>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let shell = expect_context::<ShellContext>();
    view! {
        <Title text="Settings"/>
        <PageHeader title="Settings" subtitle="Your workspace's name and members."/>
        {
            let w = shell.me.workspace;
            view! { <RenameForm workspace_id=w.id name=w.name can_edit=w.role.can(Permission::ManageWorkspace)/> }
        }
        <Members/>
    }
}

#[island]
fn RenameForm(workspace_id: TenantId, name: String, can_edit: bool) -> impl IntoView {
    let action = ServerAction::<RenameWorkspace>::new();
    reload_on_success(action);
    view! {
        <section class="mb-8 max-w-xl rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-base font-semibold">"Workspace name"</h2>
            <PostForm action class="mt-4 flex flex-col gap-3 sm:flex-row" read=|f| RenameWorkspace {
                workspace_id: TenantId::new(f.text("workspace_id")),
                name: f.text("name"),
            }>
                <input type="hidden" name="workspace_id" value=workspace_id.to_string()/>
                <input class=INPUT_CLASS name="name" aria-label="Workspace name" value=name maxlength="60" required disabled=!can_edit/>
                <div class="sm:w-40">
                    <SubmitButton label="Save" pending_label="Saving…" pending=action.pending()/>
                </div>
            </PostForm>
            <div class="mt-3"><FormError error=action_error(action)/></div>
            <Show when=move || !can_edit>
                <p class="mt-2 text-xs text-slate-500">"Only owners and admins can rename the workspace."</p>
            </Show>
        </section>
    }
}

#[component]
fn Members() -> impl IntoView {
    let members = Resource::new(|| (), |_| list_members());
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white shadow-sm">
            <h2 class="border-b border-slate-200 px-6 py-4 text-base font-semibold">"Members"</h2>
            <Suspense fallback=|| view! { <p class="px-6 py-4 text-sm text-slate-500">"Loading members…"</p> }>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(list) => view! { <ul class="divide-y divide-slate-100">{list.into_iter().map(|m| view! { <MemberRow m/> }).collect_view()}</ul> }.into_any(),
                        Err(error) => view! { <div class="p-6"><ErrorPanel error/></div> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn MemberRow(m: MemberSummary) -> impl IntoView {
    view! {
        <li class="flex items-center justify-between gap-4 px-6 py-3">
            <div class="min-w-0">
                <p class="truncate text-sm font-medium">{m.name}</p>
                <p class="truncate text-xs text-slate-500">{m.email}</p>
            </div>
            <span class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-700">{m.role.label()}</span>
        </li>
    }
}
