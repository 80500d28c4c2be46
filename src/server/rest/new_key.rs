//! The page a new API key is shown on, once. The keys page's form posts
//! here as a plain form; the answer is a small page holding the key, so
//! the key never travels in an address, never sits in a session, and the
//! keys page ships no wasm. A refusal goes back to the keys page with the
//! error in the address, as a server function's would, and the fields in
//! the session (`drafts`).

use crate::app::error::AppError;
use crate::server::auth::TenantContext;
use crate::server::domain::escape_html as escape;
use crate::server::drafts;
use crate::server::services::api_keys::{self, NewApiKey};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use leptos::server_fn::error::ServerFnUrlError;
use serde::Deserialize;
use tower_sessions::Session;

pub const PATH: &str = "/app/api-keys/new";
const BACK: &str = "/app/api-keys";

#[derive(Debug, Deserialize)]
pub(super) struct NewKeyForm {
    name: String,
    scopes: String,
    #[serde(default)]
    expires_in_days: String,
}

pub(super) async fn create(
    ctx: TenantContext,
    session: Session,
    State(state): State<AppState>,
    Form(form): Form<NewKeyForm>,
) -> Response {
    let made = match NewApiKey::parse(&form.name, std::slice::from_ref(&form.scopes), &form.expires_in_days) {
        Ok(input) => api_keys::create(&ctx, &state, input).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(created) => shown_once(&created.key),
        Err(e) => {
            let fields = vec![
                ("name".into(), form.name),
                ("scopes".into(), form.scopes),
                ("expires_in_days".into(), form.expires_in_days),
            ];
            drafts::keep(&session, &ctx, PATH, fields).await;
            back_with(PATH, BACK, e.to_app_error())
        }
    }
}

/// Back to the keys page, relative to this host, with the error encoded as
/// a server function's would be (`UrlError` shows it).
pub(super) fn back_with(path: &str, back: &str, error: AppError) -> Response {
    let to = ServerFnUrlError::new(path, error)
        .to_url(&format!("http://app{back}"))
        .map(|u| format!("{}?{}", u.path(), u.query().unwrap_or_default()))
        .unwrap_or_else(|_| back.into());
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

fn shown_once(key: &str) -> Response {
    secret_page(
        "Your new API key",
        "Copy this key now. It is not shown again, and Autopilot keeps only a fingerprint of it.",
        ("The new key", key),
        "Send it as <code>Authorization: Bearer …</code> to <code>/api/v1</code>.",
        BACK,
    )
}

/// A page that shows a secret once: never cached, no scripts, no framing.
/// The texts and the secret are escaped; only `after` is the caller's own
/// markup (a constant).
pub(super) fn secret_page(title: &str, intro: &str, (label, value): (&str, &str), after: &str, back: &str) -> Response {
    let [title, intro, label, value, back] = [title, intro, label, value, back].map(escape);
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\" class=\"h-full\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Autopilot</title><link rel=\"stylesheet\" href=\"/pkg/autopilot.css\"></head>\
         <body class=\"h-full bg-slate-50 text-slate-900\"><main class=\"mx-auto max-w-xl px-4 py-16\">\
         <div class=\"rounded-2xl border border-emerald-200 bg-white p-6 shadow-sm\" data-testid=\"new-key\">\
         <h1 class=\"text-xl font-semibold tracking-tight\">{title}</h1>\
         <p class=\"mt-2 text-sm text-slate-700\">{intro}</p>\
         <input class=\"mt-4 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 font-mono text-xs\" \
         readonly aria-label=\"{label}\" value=\"{value}\">\
         <p class=\"mt-3 text-sm text-slate-600\">{after}</p>\
         <a class=\"mt-4 inline-block text-sm font-medium text-indigo-600 underline\" href=\"{back}\">Done</a>\
         </div></main></body></html>"
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        page,
    )
        .into_response()
}
