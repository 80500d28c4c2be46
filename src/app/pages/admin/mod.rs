//! The platform admin console under `/app/admin`. Every page shows the 404
//! page to anyone who is not a platform admin, and every function behind it
//! answers 404 to them as well (`api::admin`).

mod actions;
mod jobs;
mod lists;
mod overview;
mod workspace;

pub use jobs::{AdminJobsPage, AdminMailPage};
pub use lists::{AdminAuditPage, AdminUsersPage, AdminWorkspacesPage};
pub use overview::{AdminHealthPage, AdminPage};
pub use workspace::AdminWorkspacePage;

use crate::app::pages::query::{page_href, page_param, param};

use crate::app::layouts::ShellContext;
use crate::app::pages::NotFoundPage;
use leptos::prelude::*;

const SECTIONS: [(&str, &str); 7] = [
    ("/app/admin", "Overview"),
    ("/app/admin/health", "Health"),
    ("/app/admin/users", "Users"),
    ("/app/admin/workspaces", "Workspaces"),
    ("/app/admin/jobs", "Jobs"),
    ("/app/admin/mail", "Mail outbox"),
    ("/app/admin/audit", "Audit log"),
];

/// The admin frame: the 404 page for everyone else, the section tabs for admins.
#[component]
fn AdminOnly(current: &'static str, children: ChildrenFn) -> impl IntoView {
    let is_admin = expect_context::<ShellContext>().me.user.is_platform_admin;
    view! {
        <Show when=move || is_admin fallback=NotFoundPage>
            <nav class="mb-6 flex flex-wrap gap-2" aria-label="Admin sections">
                {SECTIONS.iter().map(|(href, label)| {
                    let active = *href == current;
                    view! {
                        <a href=*href aria-current=if active { "page" } else { "false" }
                            class=if active { "rounded-full bg-slate-900 px-3 py-1.5 text-sm font-medium text-white" } else { "rounded-full bg-white px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50" }>
                            {*label}
                        </a>
                    }
                }).collect_view()}
            </nav>
            {children()}
        </Show>
    }
}

const SELECT: &str = "rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm";
const INPUT: &str = "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm";
const BUTTON: &str = "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50";
const TABLE: &str = "min-w-full divide-y divide-slate-200 text-sm";
const TH: &str = "px-4 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";
const TD: &str = "px-4 py-2 align-top text-slate-700";

/// A select whose options are (value, label) pairs, keeping the chosen one.
#[component]
fn Choice(name: &'static str, label: &'static str, options: Vec<(String, String)>) -> impl IntoView {
    let chosen = param(name);
    view! {
        <label class="flex items-center gap-2 text-sm text-slate-600">
            {label}
            <select name=name class=SELECT>
                {options.into_iter().map(|(value, text)| {
                    let selected = value == chosen;
                    view! { <option value=value selected=selected>{text}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

fn created_options() -> Vec<(String, String)> {
    [
        ("", "Any time"),
        ("7", "Last 7 days"),
        ("30", "Last 30 days"),
        ("90", "Last 90 days"),
    ]
    .into_iter()
    .map(|(v, l)| (v.to_owned(), l.to_owned()))
    .collect()
}

fn status_options() -> Vec<(String, String)> {
    [("", "Any status"), ("active", "Active"), ("suspended", "Suspended")]
        .into_iter()
        .map(|(v, l)| (v.to_owned(), l.to_owned()))
        .collect()
}

/// An empty list says so, with the filters in mind.
#[component]
fn Empty(what: &'static str) -> impl IntoView {
    view! { <p class="p-6 text-sm text-slate-600" data-testid="empty-list">{format!("No {what} match these filters.")}</p> }
}
