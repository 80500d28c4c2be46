//! Creating a workspace, and the workspace's settings.

use crate::app::api::social::{get_workspace_voice, SaveWorkspaceVoice};
use crate::app::api::workspaces::{CreateWorkspace, RenameWorkspace};
use crate::app::components::{
    action_error, action_succeeded, ready_flag, reload_on_success, FormError, PageHeader, PostForm, SubmitButton,
    TextField, INPUT_CLASS,
};
use crate::app::layouts::{AuthCard, ShellContext};
use crate::app::types::{Permission, TenantId};
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

/// Where a signed-in user who belongs to no workspace lands (removed from
/// their last one): they may start one, or follow an invitation.
#[component]
pub fn NoWorkspacePage() -> impl IntoView {
    view! {
        <Title text="Create a workspace"/>
        <AuthCard title="You are not in any workspace" subtitle="You are not a member of any workspace now. Create one of your own, or open an invitation link you were sent.">
            <NewWorkspaceForm/>
            <form method="post" action="/api/auth/log_out" class="mt-4">
                <button type="submit" class="text-sm font-medium text-slate-600 hover:text-slate-900">"Log out"</button>
            </form>
        </AuthCard>
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
        <Voice/>
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

/// The workspace's time zone and tone, which social posts are written in.
#[component]
fn Voice() -> impl IntoView {
    let voice = Resource::new(|| (), |_| get_workspace_voice());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                voice.await.ok().map(|v| view! { <VoiceForm time_zone=v.time_zone tone=v.tone can_edit=v.can_edit/> })
            })}
        </Suspense>
    }
}

#[island(lazy)]
fn VoiceForm(time_zone: String, tone: String, can_edit: bool) -> impl IntoView {
    let action = ServerAction::<SaveWorkspaceVoice>::new();
    let saved = action_succeeded(action);
    let tones = [
        ("friendly", "Friendly"),
        ("professional", "Professional"),
        ("playful", "Playful"),
        ("authoritative", "Authoritative"),
        ("neutral", "Neutral"),
    ];
    view! {
        <section class="mb-8 max-w-xl rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="voice-form" data-lazy="" data-ready=ready_flag()>
            <h2 class="text-base font-semibold">"Time zone and tone"</h2>
            <p class="mt-1 text-sm text-slate-600">"Social posts are scheduled in this time zone, and written captions use this tone."</p>
            <PostForm action class="mt-4 grid gap-3 sm:grid-cols-3" read=|f| SaveWorkspaceVoice {
                time_zone: f.text("time_zone"),
                tone: f.text("tone"),
            }>
                <label class="block sm:col-span-1">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Time zone"</span>
                    <input class=INPUT_CLASS name="time_zone" value=time_zone maxlength="64" required disabled=!can_edit placeholder="Europe/Berlin"/>
                </label>
                <label class="block sm:col-span-1">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Tone"</span>
                    <select class=INPUT_CLASS name="tone" disabled=!can_edit>
                        {tones.into_iter().map(|(value, label)| view! { <option value=value selected=value == tone>{label}</option> }).collect_view()}
                    </select>
                </label>
                <div class="self-end">
                    <SubmitButton label="Save" pending_label="Saving…" pending=action.pending()/>
                </div>
            </PostForm>
            <div class="mt-3"><FormError error=action_error(action)/></div>
            <Show when=move || saved.get()>
                <p role="status" class="mt-2 text-sm text-emerald-700">"Saved."</p>
            </Show>
        </section>
    }
}

#[component]
fn Members() -> impl IntoView {
    view! {
        <section class="max-w-xl rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-base font-semibold">"Members"</h2>
            <p class="mt-1 text-sm text-slate-600">"Invite people, change their roles or remove them on the members page."</p>
            <a class="mt-3 inline-block text-sm font-medium text-indigo-600 hover:text-indigo-800" href="/app/members">"Open members"</a>
        </section>
    }
}
