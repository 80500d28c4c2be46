//! Everything a request handler may need, cloned cheaply into each request.

use crate::server::auth::password::PasswordHasher;
use crate::server::clients::llm::Writer;
use crate::server::clients::mail::Mailer;
use crate::server::clients::stripe::Stripe;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::secrets::Sealer;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub hasher: PasswordHasher,
    pub mailer: Mailer,
    pub sealer: Sealer,
    pub writer: Writer,
    /// The Stripe client; None in billing's test mode.
    pub stripe: Option<Stripe>,
    /// Wakes this process's worker when a job is queued here (run now,
    /// approve, retry), so it need not wait for its next poll.
    pub wake: Arc<tokio::sync::Notify>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
