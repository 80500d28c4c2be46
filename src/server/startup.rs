//! Builds the application: database, state, router and its layers, and the
//! listener. `serve` and the integration tests both start it from here.

use crate::app::{shell, App};
use crate::server::auth::session_store::DbSessionStore;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::scheduler::Worker;
use crate::server::{middleware, rest, services, state::AppState, telemetry};
use axum::serve::ListenerExt;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub struct Application {
    listener: TcpListener,
    /// METRICS_ADDR's listener, serving `/metrics` alone.
    metrics_listener: Option<TcpListener>,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects and migrates the database, then binds `config.bind_addr`
    /// (port 0 picks a free port).
    pub async fn build(config: Config, mut leptos_options: LeptosOptions) -> Result<Application, String> {
        let db = Db::open(&config.database_url).await?;
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.bind_addr))?;
        leptos_options.site_addr = listener.local_addr().map_err(|e| e.to_string())?;
        let metrics_listener = match config.metrics.addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| format!("cannot listen on METRICS_ADDR {addr}: {e}"))?,
            ),
            None => None,
        };
        let state = AppState::new(config, db, leptos_options)?;
        let router = router(state.clone());
        Ok(Application {
            listener,
            metrics_listener,
            router,
            state,
        })
    }

    /// Where `/metrics` is served when METRICS_ADDR is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, finishing requests in flight; the
    /// scheduler (unless turned off) stops with it, finishing or handing
    /// back its running jobs.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
        let worker = self.state.config.worker.run_in_serve.then(|| {
            let mut stopped = worker_stopped.clone();
            let state = self.state.clone();
            tokio::spawn(async move {
                start_worker(state)
                    .await
                    .run(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .await
            })
        });
        let metrics = self.metrics_listener.map(|listener| {
            let mut stopped = worker_stopped.clone();
            let router = Router::new()
                .route("/metrics", axum::routing::get(rest::metrics::on_own_address))
                .with_state(self.state.clone());
            tokio::spawn(async move {
                let stop = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(stop).await {
                    tracing::warn!(error = %e, "the metrics listener stopped");
                }
            })
        });
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        // Responses are streamed in chunks; with Nagle's algorithm on, the
        // last small chunk waits for the client's delayed ACK (~40 ms per
        // response on a keep-alive connection). Pages are written whole, so
        // there is nothing to gain from coalescing.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let served = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
        let _ = stop_worker.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        served
    }
}

/// The scheduler of this process with every registered job kind, after
/// making sure the platform's own schedules exist.
pub async fn start_worker(state: AppState) -> Worker {
    if let Err(e) = services::housekeeping::ensure_scheduled(&state).await {
        tracing::warn!(error = %e, "could not schedule housekeeping");
    }
    if let Err(e) = services::digest::ensure_scheduled(&state).await {
        tracing::warn!(error = %e, "could not schedule failure digests");
    }
    Worker::new(state, services::job_kinds())
}

fn session_layer(state: &AppState) -> SessionManagerLayer<DbSessionStore> {
    let secure = state.config.secure_cookies();
    // `__Host-` makes the browser refuse the cookie unless it is Secure,
    // host-only and path=/, so a sibling subdomain cannot plant one.
    let name = if secure {
        "__Host-autopilot_session"
    } else {
        "autopilot_session"
    };
    SessionManagerLayer::new(DbSessionStore::new(state.db.clone(), state.config.session_max_days))
        .with_name(name)
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::days(state.config.session_days)))
        // Saving on every request is what makes the expiry slide with use.
        .with_always_save(true)
}

/// The page routes, read off the app once per process. Reading them sets
/// leptos's process-wide "suppress resource loads" switch for as long as it
/// takes (leptos_router's `generate_route_list`), and any resource another
/// app in the same process starts meanwhile waits forever: its page never
/// finishes streaming. One app per process never meets that, but the tests
/// start hundreds beside pages being rendered, and did (about one response
/// in 200 while other apps started).
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = page_routes();
    let context_state = state.clone();
    Router::new()
        .leptos_routes_with_context(&state, routes, move || provide_context(context_state.clone()), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .merge(rest::routes(state.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::signed_in_pages,
        ))
        .layer(session_layer(&state))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::origin_check,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        // Videos are compressed already and fetched in ranges (the public
        // media route): compressing them would burn CPU and drop ranges.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(NotForContentType::const_new("video/"))),
        )
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        // Outermost: the request id and span cover every layer inside.
        .layer(axum::middleware::from_fn_with_state(state.clone(), telemetry::observe))
        .with_state(state)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Leptos options from cargo-leptos' environment; a binary built by plain
/// cargo (tests, `cargo run`) uses this crate's defaults instead.
pub fn leptos_options() -> LeptosOptions {
    let from_cargo_leptos =
        option_env!("LEPTOS_OUTPUT_NAME").is_some() || std::env::var_os("LEPTOS_OUTPUT_NAME").is_some();
    let defaults = || LeptosOptions::builder().output_name("autopilot").build();
    if !from_cargo_leptos {
        return defaults();
    }
    leptos::config::get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| defaults())
}
