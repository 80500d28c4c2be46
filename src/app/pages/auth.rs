//! Sign up, log in, and password reset. The pages render on the server; each
//! form is an island (validation errors, pending state, password toggle).

use crate::app::api::auth::{LogIn, RequestPasswordReset, ResetPassword, SignUp, VerifyEmail};
use crate::app::components::{
    action_error, action_succeeded, FormError, PasswordField, PostForm, SubmitButton, TextField,
};
use crate::app::layouts::AuthCard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

const LINK: &str = "font-medium text-indigo-600 hover:text-indigo-800";

#[component]
pub fn SignUpPage() -> impl IntoView {
    view! {
        <Title text="Sign up"/>
        <AuthCard title="Create your workspace" subtitle="Free forever for one site and ten posts a month.">
            <SignUpForm/>
            <p class="mt-6 text-center text-sm text-slate-600">
                "Already have an account? " <A href="/login" attr:class=LINK>"Log in"</A>
            </p>
        </AuthCard>
    }
}

#[island]
fn SignUpForm() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    view! {
        <PostForm action class="space-y-4" testid="signup-form" read=|f| SignUp {
            name: f.text("name"),
            email: f.text("email"),
            password: f.text("password"),
            workspace: f.text("workspace"),
        }>
            <TextField label="Your name" name="name" autocomplete="name" maxlength=80/>
            <TextField label="Email" name="email" kind="email" autocomplete="email" placeholder="you@example.com"/>
            <PasswordField label="Password" name="password" autocomplete="new-password"/>
            <TextField label="Workspace name" name="workspace" placeholder="Acme Blog" maxlength=60/>
            <FormError error=action_error(action)/>
            <SubmitButton label="Create account" pending_label="Creating your account…" pending=action.pending()/>
        </PostForm>
    }
}

#[component]
pub fn LogInPage() -> impl IntoView {
    view! {
        <Title text="Log in"/>
        <AuthCard title="Log in" subtitle="Welcome back.">
            <SignedOutNotice/>
            <LogInForm/>
            <div class="mt-6 flex justify-between text-sm">
                <A href="/forgot-password" attr:class=LINK>"Forgot your password?"</A>
                <A href="/signup" attr:class=LINK>"Create an account"</A>
            </div>
        </AuthCard>
    }
}

/// Why the visitor was sent here, when it was not their choice.
#[component]
fn SignedOutNotice() -> impl IntoView {
    let notice = use_query_map().read_untracked().get("notice").unwrap_or_default();
    (notice == "suspended").then(|| {
        view! {
            <p role="alert" data-testid="login-notice" class="mb-4 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                "You were signed out: this account has been suspended. Write to the service's support to ask why or to have it restored."
            </p>
        }
    })
}

#[island]
fn LogInForm() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    view! {
        <PostForm action class="space-y-4" testid="login-form" read=|f| LogIn { email: f.text("email"), password: f.text("password") }>
            <TextField label="Email" name="email" kind="email" autocomplete="email"/>
            <PasswordField label="Password" name="password" autocomplete="current-password"/>
            <FormError error=action_error(action)/>
            <SubmitButton label="Log in" pending_label="Checking…" pending=action.pending()/>
        </PostForm>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    view! {
        <Title text="Reset your password"/>
        <AuthCard title="Reset your password" subtitle="We will mail you a link that works once, for one hour.">
            <ForgotPasswordForm/>
            <p class="mt-6 text-center text-sm"><A href="/login" attr:class=LINK>"Back to log in"</A></p>
        </AuthCard>
    }
}

#[island]
fn ForgotPasswordForm() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let sent = action_succeeded(action);
    view! {
        <Show
            when=move || sent.get()
            fallback=move || view! {
                <PostForm action class="space-y-4" read=|f| RequestPasswordReset { email: f.text("email") }>
                    <TextField label="Email" name="email" kind="email" autocomplete="email"/>
                    <FormError error=action_error(action)/>
                    <SubmitButton label="Send reset link" pending_label="Sending…" pending=action.pending()/>
                </PostForm>
            }
        >
            <p role="status" class="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
                "If an account uses that address, a reset link is on its way. Check your inbox."
            </p>
        </Show>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map().read_untracked().get("token").unwrap_or_default();
    let has_token = !token.is_empty();
    view! {
        <Title text="Choose a new password"/>
        <AuthCard title="Choose a new password" subtitle="You will be signed in, and signed out everywhere else.">
            <Show
                when=move || has_token
                fallback=|| view! {
                    <p class="text-sm text-slate-600">
                        "This page needs the link from your reset mail. "
                        <A href="/forgot-password" attr:class=LINK>"Ask for a new link"</A>
                    </p>
                }
            >
                <ResetPasswordForm token=token.clone()/>
            </Show>
        </AuthCard>
    }
}

#[island]
fn ResetPasswordForm(token: String) -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    view! {
        <PostForm action class="space-y-4" read=|f| ResetPassword { token: f.text("token"), password: f.text("password") }>
            <input type="hidden" name="token" value=token/>
            <PasswordField label="New password" name="password" autocomplete="new-password"/>
            <FormError error=action_error(action)/>
            <SubmitButton label="Set password" pending_label="Saving…" pending=action.pending()/>
        </PostForm>
    }
}

/// Confirming takes a press of a button, not just opening the link: mail
/// scanners open links, and a GET must not change anything.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = use_query_map().read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text="Confirm your email"/>
        <AuthCard title="Confirm your email" subtitle="One click and this address is confirmed as yours.">
            <VerifyEmailForm token/>
        </AuthCard>
    }
}

#[island]
fn VerifyEmailForm(token: String) -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    view! {
        <PostForm action class="space-y-4" testid="verify-form" read=|f| VerifyEmail { token: f.text("token") }>
            <input type="hidden" name="token" value=token/>
            <FormError error=action_error(action)/>
            <SubmitButton label="Confirm my email" pending_label="Confirming…" pending=action.pending()/>
        </PostForm>
    }
}
