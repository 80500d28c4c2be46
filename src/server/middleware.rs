//! Request guards that wrap every route: the cross-origin check on
//! state-changing requests and the security headers on every response.

use crate::app::types::Me;
use crate::server::error::ServerError;
use crate::server::state::AppState;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Paths that receive signed calls from other services, not from browsers,
/// and the REST API, which takes no cookies (only bearer credentials), so
/// a cross-site request has nothing to ride on.
const ORIGIN_EXEMPT_PREFIXES: &[&str] = &["/webhooks/", "/api/v1/"];

/// Refuses cross-site non-GET requests (server functions included).
///
/// The rule follows modern browser-based CSRF protection (the design Go 1.25
/// adopted as `CrossOriginProtection`): browsers always send `Origin` or
/// `Sec-Fetch-Site` on such requests, so a request is allowed when its
/// `Origin` is the app's own (APP_URL, or the Host it was sent to), or when
/// `Sec-Fetch-Site` says same-origin; a request carrying neither header did
/// not come from a browser and cannot ride on a user's cookies.
pub async fn origin_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_allowed(&state, &req) {
        return next.run(req).await;
    }
    tracing::warn!(method = %req.method(), path = req.uri().path(), "cross-origin request refused");
    (
        StatusCode::FORBIDDEN,
        axum::Json(serde_json::json!({ "error": "Cross-site request refused." })),
    )
        .into_response()
}

fn is_allowed(state: &AppState, req: &Request<Body>) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let path = req.uri().path();
    if ORIGIN_EXEMPT_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == state.config.app_origin() {
            return true;
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let authority = origin.split_once("://").map(|(_, rest)| rest);
        return matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h));
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

/// Headers for every response. HTML pages replace the default CSP with one
/// that carries the page's script nonce (see `app::shell`).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    if state.config.secure_cookies() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// The CSP for server-rendered pages: scripts only from here or with this
/// response's nonce; wasm may compile; nothing may frame the app. Forms
/// post here, and may be sent on to `sign_in_origins` (browsers hold a
/// form's redirects to form-action too: a sign-in form ends on the
/// platform's sign-in page).
pub fn page_csp(nonce: &str, sign_in_origins: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'{sign_in_origins}; \
         frame-ancestors 'none'"
    )
}

/// In front of the signed-in pages (`/app…`): resolves the user and the
/// workspace once, before rendering, and hands them to the shell through the
/// request's extensions; signed-out visitors get a plain redirect. Keeping
/// this out of the render avoids gating the page on an SSR resource.
pub async fn signed_in_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_app_page = path == "/app" || path.starts_with("/app/");
    if !is_app_page || !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    match Me::from_request_parts(&mut parts, &state).await {
        Ok(me) => {
            parts.extensions.insert(me);
            next.run(Request::from_parts(parts, body)).await
        }
        // The admin console does not exist for anyone but platform admins,
        // signed-out visitors included: no redirect hints that it does.
        Err(ServerError::Unauthorized | ServerError::Suspended) if is_admin_page(path_of(&parts)) => not_found(),
        Err(ServerError::Unauthorized) => (StatusCode::FOUND, [(header::LOCATION, "/login")]).into_response(),
        Err(ServerError::Suspended) => {
            (StatusCode::FOUND, [(header::LOCATION, "/login?notice=suspended")]).into_response()
        }
        // Signed in, but a member of no workspace (removed from their last).
        Err(ServerError::Forbidden) => (StatusCode::FOUND, [(header::LOCATION, "/no-workspace")]).into_response(),
        Err(e) => e.into_response(),
    }
}

fn path_of(parts: &axum::http::request::Parts) -> &str {
    parts.uri.path()
}

fn is_admin_page(path: &str) -> bool {
    path == "/app/admin" || path.starts_with("/app/admin/")
}

/// The answer an unknown address gets, for pages that must not be found.
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found · Autopilot</title></head>\
         <body><p>404</p><h1>We could not find that page.</h1><p><a href=\"/\">Go home</a></p></body></html>",
    )
        .into_response()
}
