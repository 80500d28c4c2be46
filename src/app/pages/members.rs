//! The members page: who belongs to the workspace, their roles, the
//! invitations waiting, and the seats the plan sells. What each person
//! may do here follows the permission table (`Role::may`); the server
//! checks the same table again. Every action is a plain form that posts to
//! its server function and comes back to this page (errors included, via
//! `UrlError`), so the page ships no wasm of its own.

use crate::app::api::members::{
    list_members, ChangeMemberRole, InviteMember, LeaveWorkspace, RemoveMember, ResendInvitation, RevokeInvitation,
};
use crate::app::components::{ConfirmedPost, ErrorPanel, PageHeader, Pager, UrlError, INPUT_CLASS};
use crate::app::pages::query::{page_href, page_param, param};
use crate::app::types::{FormDraft, InvitationSummary, MemberChange, MemberList, MemberSummary, Role, UserId};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

const BUTTON: &str = "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm \
                      hover:bg-slate-50 disabled:opacity-60";
const DANGER: &str = "rounded-lg px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50";

#[component]
pub fn MembersPage() -> impl IntoView {
    let (q, page) = (param("q"), page_param());
    let list = Resource::new(|| (), move |_| list_members(q.clone(), page));
    view! {
        <Title text="Members"/>
        <PageHeader title="Members" subtitle="Who works in this workspace, and what each of them may do."/>
        <UrlError/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <Members page/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Members(page: MemberList) -> impl IntoView {
    let mine = page.my_role;
    let manages = mine.may(MemberChange::Invite(Role::Viewer));
    let seats = format!(
        "{} of {} seats in use, counting invitations that are waiting.",
        page.seats_used, page.seats_limit
    );
    let label = format!("{} member{}", page.total, if page.total == 1 { "" } else { "s" });
    let me = page.me.clone();
    view! {
        <p class="mb-4 text-sm text-slate-600" data-testid="seats">{seats}</p>
        {if manages {
            view! { <InviteForm grantable=grantable(mine) draft=page.draft.clone()/> }.into_any()
        } else {
            view! { <p class="mb-6 text-sm text-slate-500">"Only owners and admins invite people or change their roles."</p> }.into_any()
        }}
        <section class="rounded-2xl border border-slate-200 bg-white shadow-sm">
            <form method="get" action="/app/members" class="flex flex-wrap items-center gap-3 border-b border-slate-200 px-6 py-4">
                <h2 class="mr-auto text-base font-semibold">"Members"</h2>
                <input class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm" type="search" name="q" value=param("q") placeholder="Name or email" aria-label="Find a member"/>
                <button class=BUTTON type="submit">"Find"</button>
            </form>
            {if page.members.is_empty() {
                view! { <p class="px-6 py-6 text-sm text-slate-500">"No member matches this search."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100" data-testid="members">
                        {page.members.into_iter().map(|m| {
                            let is_me = m.user_id == me;
                            view! { <MemberRow m is_me mine/> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <Pager page=page.page pages=page.pages href=page_href("/app/members", &["q"]) label/>
        </section>
        <Invitations list=page.invitations mine/>
    }
}

/// The roles this role may hand out, strongest first.
fn grantable(mine: Role) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| mine.may(MemberChange::Invite(*r)))
        .collect()
}

/// Owners and admins change the roles of members at or below their own
/// (their own too: an owner may step down while another owner remains);
/// others see the role. Everyone may leave; others may be removed.
#[component]
fn MemberRow(m: MemberSummary, is_me: bool, mine: Role) -> impl IntoView {
    let changeable = mine.may(MemberChange::Remove(m.role));
    let role = m.role;
    let user_id = m.user_id.to_string();
    view! {
        <li class="flex flex-col gap-3 px-6 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="member">
            <div class="min-w-0">
                <p class="truncate text-sm font-medium">{m.name}{is_me.then_some(" (you)")}</p>
                <p class="truncate text-xs text-slate-500">{m.email}</p>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                {if changeable {
                    view! { <RoleForm user_id=m.user_id role grantable=grantable(mine)/> }.into_any()
                } else {
                    view! { <span class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-700" data-testid="member-role">{role.label()}</span> }.into_any()
                }}
                {if is_me {
                    view! {
                        <ConfirmedPost action=LeaveWorkspace::url().to_string() fields=vec![] label="Leave"
                            question="Leave this workspace? Only an invitation brings you back." confirm="Yes, leave" testid="leave"/>
                    }.into_any()
                } else if changeable {
                    view! {
                        <ConfirmedPost action=RemoveMember::url().to_string() fields=vec![("user_id", user_id)] label="Remove"
                            question="Remove from this workspace? Their API keys here stop working." confirm="Yes, remove" testid="remove"/>
                    }.into_any()
                } else {
                    ().into_any()
                }}
            </div>
        </li>
    }
}

fn role_options(roles: Vec<Role>, selected: Role) -> impl IntoView {
    roles
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.label()}</option> })
        .collect_view()
}

/// After a refusal the form is as it was sent.
#[component]
fn InviteForm(grantable: Vec<Role>, draft: FormDraft) -> impl IntoView {
    let chosen = draft
        .value("role")
        .and_then(|r| Role::parse(&r))
        .unwrap_or(Role::Member);
    view! {
        <section class="mb-6 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 class="text-base font-semibold">"Invite someone"</h2>
            <p class="mt-1 text-sm text-slate-600">"They get a link by email that works once, for 7 days."</p>
            <form method="post" action=InviteMember::url() class="mt-4 flex flex-col gap-3 sm:flex-row" data-testid="invite-form">
                <input class=INPUT_CLASS type="email" name="email" aria-label="Email address" placeholder="name@example.com" maxlength="254" required
                    value=draft.value("email").unwrap_or_default()/>
                <select class="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm" name="role" aria-label="Role">
                    {role_options(grantable, chosen)}
                </select>
                <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 sm:w-44">"Send invitation"</button>
            </form>
        </section>
    }
}

/// Choosing a role and pressing "Change" is the confirmation: nothing
/// changes on the choice alone.
#[component]
fn RoleForm(user_id: UserId, role: Role, grantable: Vec<Role>) -> impl IntoView {
    view! {
        <form method="post" action=ChangeMemberRole::url() class="flex items-center gap-2" data-testid="role-form">
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            <select class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm" name="role" aria-label="Role" data-testid="member-role-select">
                {role_options(grantable, role)}
            </select>
            <button class=BUTTON type="submit">"Change"</button>
        </form>
    }
}

#[component]
fn Invitations(list: Vec<InvitationSummary>, mine: Role) -> impl IntoView {
    if list.is_empty() {
        return if mine.may(MemberChange::Invite(Role::Viewer)) {
            view! { <p class="mt-6 text-sm text-slate-500" data-testid="no-invitations">"No invitations are waiting."</p> }.into_any()
        } else {
            ().into_any()
        };
    }
    view! {
        <section class="mt-6 rounded-2xl border border-slate-200 bg-white shadow-sm">
            <h2 class="border-b border-slate-200 px-6 py-4 text-base font-semibold">"Invitations waiting"</h2>
            <ul class="divide-y divide-slate-100" data-testid="invitations">
                {list.into_iter().map(|i| {
                    let may = mine.may(MemberChange::Invite(i.role));
                    let by = if i.invited_by.is_empty() { String::new() } else { format!(" · invited by {}", i.invited_by) };
                    let id = i.id.to_string();
                    view! {
                        <li class="flex flex-col gap-2 px-6 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="invitation">
                            <div class="min-w-0">
                                <p class="truncate text-sm font-medium">{i.email}</p>
                                <p class=if i.expired { "text-xs text-amber-700" } else { "text-xs text-slate-500" }>{format!("{}{by} · {}", i.role.label(), i.status)}</p>
                            </div>
                            {may.then(|| view! {
                                <div class="flex flex-wrap items-center gap-2">
                                    <form method="post" action=ResendInvitation::url()>
                                        <input type="hidden" name="invitation_id" value=id.clone()/>
                                        <button class=BUTTON type="submit">"Resend"</button>
                                    </form>
                                    <form method="post" action=RevokeInvitation::url()>
                                        <input type="hidden" name="invitation_id" value=id/>
                                        <button class=DANGER type="submit">"Revoke"</button>
                                    </form>
                                </div>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
