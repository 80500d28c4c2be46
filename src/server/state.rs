//! Everything a request handler or a job may need, cloned cheaply into each.

use crate::server::auth::jwt::Signer;
use crate::server::auth::password::PasswordHasher;
use crate::server::clients::mail::Smtp;
use crate::server::clients::meta::Meta;
use crate::server::clients::salla::Salla;
use crate::server::clients::stripe::Stripe;
use crate::server::clients::tiktok::TikTok;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::secrets::{root_secret, Sealer};
use crate::server::storage::{DiskStore, MediaStore};
use crate::server::writing::Writer;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub hasher: PasswordHasher,
    /// Mail delivery; None without SMTP_URL (mail is then only kept).
    pub smtp: Option<Smtp>,
    pub sealer: Sealer,
    /// Signs and checks the REST API's access tokens.
    pub tokens: Signer,
    pub writer: Writer,
    /// The Stripe client; None in billing's test mode.
    pub stripe: Option<Stripe>,
    /// The social platforms' APIs, at their configured (or stand-in) bases.
    pub meta: Meta,
    pub tiktok: TikTok,
    /// Salla's OAuth server and Merchant API.
    pub salla: Salla,
    /// Uploaded media (MEDIA_DIR on disk today).
    pub media: Arc<dyn MediaStore>,
    /// Wakes this process's worker when a job is queued here (run now,
    /// approve, retry), so it need not wait for its next poll.
    pub wake: Arc<tokio::sync::Notify>,
    /// When this process's state was made, for the uptime on the health page.
    pub started_at: std::time::Instant,
}

impl AppState {
    /// The state of one process over an open database: what `serve`,
    /// `worker`, the tests and the benchmarks all start from.
    pub fn new(config: Config, db: Db, leptos_options: LeptosOptions) -> Result<AppState, String> {
        let root = root_secret(&config)?;
        Ok(AppState {
            smtp: Smtp::from_config(&config)?,
            sealer: Sealer::new(&root),
            tokens: Signer::from_config(&config.jwt, &root),
            writer: Writer::from_config(&config.openai),
            stripe: match &config.billing.stripe {
                Some(stripe) => Some(Stripe::new(stripe)?),
                None => None,
            },
            meta: Meta::new(&config.social),
            tiktok: TikTok::new(&config.social),
            salla: Salla::new(&config.salla),
            media: Arc::new(DiskStore::new(&config.media_dir)),
            wake: Arc::new(tokio::sync::Notify::new()),
            started_at: std::time::Instant::now(),
            hasher: PasswordHasher::default(),
            config: Arc::new(config),
            leptos_options,
            db,
        })
    }
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
