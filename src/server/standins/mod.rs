//! Stand-ins for the platforms (Meta, TikTok, Salla), speaking their documented requests,
//! answers, errors and limits over real HTTP, with state (codes are spent
//! once, refresh tokens rotate, revoked tokens stay refused). The tests
//! run the app against them, and `autopilot stand-ins` serves them so a
//! newcomer can click through a real sign-in on one machine with no
//! platform account. Every page they show says it is a stand-in.
//!
//! They live in the crate rather than under `tests/` so that the test
//! binary, the Playwright journeys and a local trial use the same ones.

pub mod meta;
pub mod salla;
pub mod tiktok;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{Notify, Semaphore};

/// The app credentials the stand-ins accept.
pub const APP_ID: &str = "standin-app";
pub const APP_SECRET: &str = "standin-app-secret";

/// Serves `router` on `addr` (port 0 for any) until the process ends.
pub async fn serve(router: axum::Router, addr: SocketAddr) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "a stand-in stopped");
        }
    });
    Ok(bound)
}

/// Where a test can hold a stand-in's requests (refreshes, say) to make two
/// callers meet: closed by `hold`, opened for all by `release`, and
/// `arrived` returns once a request waits at it (also when that request
/// came first). Each hold has its own news, so nothing from an earlier
/// hold makes a later `arrived` return early.
#[derive(Clone, Default)]
pub struct Gate {
    closed: Arc<Mutex<Option<Held>>>,
}

#[derive(Clone)]
struct Held {
    open: Arc<Semaphore>,
    arrived: Arc<Notify>,
}

impl Gate {
    fn held(&self) -> Option<Held> {
        self.closed.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Closes the gate (a gate already closed stays as it is).
    pub fn hold(&self) {
        self.closed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| Held {
                open: Arc::new(Semaphore::new(0)),
                arrived: Arc::new(Notify::new()),
            });
    }

    pub fn release(&self) {
        if let Some(held) = self.closed.lock().unwrap_or_else(PoisonError::into_inner).take() {
            held.open.add_permits(Semaphore::MAX_PERMITS / 2);
        }
    }

    /// Waits until a request is held at the closed gate (at once when the
    /// gate is open).
    pub async fn arrived(&self) {
        if let Some(held) = self.held() {
            held.arrived.notified().await;
        }
    }

    /// Passes the gate: at once when it is open, else once it is released.
    pub(crate) async fn pass(&self) {
        if let Some(held) = self.held() {
            // notify_one keeps the news for a test that is not waiting yet.
            held.arrived.notify_one();
            if let Ok(permit) = held.open.acquire().await {
                permit.forget();
            }
        }
    }
}

/// A random token with a recognisable prefix.
pub(crate) fn token(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(rand::random::<[u8; 16]>()))
}

/// Fetches media as the platforms do: from its public address, getting
/// some bytes with a success status, or not at all.
pub(crate) async fn fetches(url: &str) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
    else {
        return false;
    };
    match client.get(url).send().await {
        Ok(res) => res.status().is_success() && res.bytes().await.is_ok_and(|b| !b.is_empty()),
        Err(_) => false,
    }
}

pub(crate) fn unix_now() -> i64 {
    crate::server::db::now()
}

/// The sign-in page a stand-in shows: who asks, and allow or cancel.
pub(crate) fn consent_page(platform: &str, app: &str, allow: &str, deny: &str, shares: &str) -> Response {
    let escape = crate::server::domain::escape_html;
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{platform} stand-in</title></head>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <p style=\"background:#fef3c7;padding:.5rem\">A local stand-in for {platform}, for tests and trials. \
         This is not {platform}.</p><h1>Continue as Sam Stand-in?</h1>\
         <p>The app <b>{app}</b> asks for: {shares}.</p>\
         <p><a id=\"allow\" href=\"{allow}\">Allow</a> · <a id=\"deny\" href=\"{deny}\">Cancel</a></p></body></html>",
        platform = escape(platform),
        app = escape(app),
        shares = escape(shares),
        allow = escape(allow),
        deny = escape(deny),
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

pub(crate) fn bad_page(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}

/// A redirect back to the app with `pairs` added to its address.
pub(crate) fn back_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
        }
        Err(_) => bad_page("redirect_uri is not an absolute URL"),
    }
}
