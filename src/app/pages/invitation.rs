//! The page an invitation link opens. Accepting takes a press of a button
//! (mail scanners open links, and a GET changes nothing): as the signed-in
//! user, by signing in, or by creating an account for the invited address.
//! The forms are plain posts (errors come back in the address and show in
//! `UrlError`), so the page ships no wasm.

use crate::app::api::members::{
    view_invitation, AcceptInvitation, AcceptInvitationSigningIn, AcceptInvitationSigningUp,
};
use crate::app::components::{ErrorPanel, TextField, UrlError, INPUT_CLASS};
use crate::app::layouts::AuthCard;
use crate::app::pages::query::param;
use crate::app::types::InvitationView;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn InvitationPage() -> impl IntoView {
    let token = param("token");
    let lookup = token.clone();
    let invitation = Resource::new(|| (), move |_| view_invitation(lookup.clone()));
    view! {
        <Title text="Join a workspace"/>
        <AuthCard title="Join a workspace" subtitle="An invitation to work together on Autopilot.">
            <UrlError/>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Opening the invitation…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match invitation.await {
                            Ok(invitation) => view! { <Offer invitation token/> }.into_any(),
                            Err(error) => view! {
                                <ErrorPanel error/>
                                <p class="mt-4 text-sm"><a class="font-medium text-indigo-600" href="/">"Go to the home page"</a></p>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </AuthCard>
    }
}

#[component]
fn Offer(invitation: InvitationView, token: String) -> impl IntoView {
    let by = if invitation.invited_by.is_empty() {
        "Someone".to_string()
    } else {
        invitation.invited_by.clone()
    };
    let summary = format!(
        "{by} invited {} to \"{}\" as {}.",
        invitation.email,
        invitation.workspace_name,
        invitation.role.label().to_lowercase()
    );
    let choice = match invitation.signed_in_as {
        Some(me) if me == invitation.email => view! { <AcceptForm token/> }.into_any(),
        Some(me) => view! {
            <p class="text-sm text-slate-700" data-testid="wrong-account">
                {format!("You are signed in as {me}. Log out, then open the link again to accept as {}.", invitation.email)}
            </p>
            <form method="post" action="/api/auth/log_out" class="mt-4">
                <button type="submit" class="text-sm font-medium text-indigo-600">"Log out"</button>
            </form>
        }
        .into_any(),
        None if invitation.account_exists => view! { <SignInForm token email=invitation.email.clone()/> }.into_any(),
        None => view! { <SignUpForm token email=invitation.email.clone()/> }.into_any(),
    };
    view! {
        <p class="mb-6 text-sm text-slate-700" data-testid="invitation-summary">{summary}</p>
        {choice}
    }
}

const SUBMIT: &str = "inline-flex w-full items-center justify-center rounded-lg bg-indigo-600 px-4 py-2.5 text-sm \
                      font-semibold text-white shadow-sm hover:bg-indigo-500";

/// A password input for these plain forms (no show/hide toggle: that
/// would need wasm on a page that otherwise ships none).
#[component]
fn Password(autocomplete: &'static str) -> impl IntoView {
    view! {
        <label class="block">
            <span class="mb-1 block text-sm font-medium text-slate-700">"Password"</span>
            <input class=INPUT_CLASS type="password" name="password" autocomplete=autocomplete minlength="8" maxlength="128" required/>
        </label>
    }
}

#[component]
fn AcceptForm(token: String) -> impl IntoView {
    view! {
        <form method="post" action=AcceptInvitation::url() class="space-y-4">
            <input type="hidden" name="token" value=token/>
            <button type="submit" class=SUBMIT>"Join the workspace"</button>
        </form>
    }
}

#[component]
fn SignInForm(token: String, email: String) -> impl IntoView {
    view! {
        <form method="post" action=AcceptInvitationSigningIn::url() class="space-y-4" data-testid="invitation-sign-in">
            <p class="text-sm text-slate-600">{format!("Log in as {email} to accept.")}</p>
            <input type="hidden" name="token" value=token/>
            <Password autocomplete="current-password"/>
            <button type="submit" class=SUBMIT>"Log in and join"</button>
            <p class="text-xs text-slate-500"><a class="font-medium text-indigo-600" href="/forgot-password">"Forgot your password?"</a></p>
        </form>
    }
}

#[component]
fn SignUpForm(token: String, email: String) -> impl IntoView {
    view! {
        <form method="post" action=AcceptInvitationSigningUp::url() class="space-y-4" data-testid="invitation-sign-up">
            <p class="text-sm text-slate-600">{format!("Create your account for {email} to accept.")}</p>
            <input type="hidden" name="token" value=token/>
            <TextField label="Your name" name="name" autocomplete="name" maxlength=80/>
            <Password autocomplete="new-password"/>
            <span class="block text-xs text-slate-500">"8 to 128 characters."</span>
            <button type="submit" class=SUBMIT>"Create account and join"</button>
        </form>
    }
}
