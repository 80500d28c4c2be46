//! Logs and metrics. Logs are human-readable by default, JSON with
//! LOG_FORMAT=json; every line written while a request is served carries
//! its request id (the `request` span). Metrics go to one process-wide
//! Prometheus recorder (metrics + metrics-exporter-prometheus) and are
//! rendered by `/metrics` (see `rest::metrics`).

use crate::server::db::new_id;
use crate::server::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;
use tracing::Instrument;
use tracing_subscriber::{fmt, EnvFilter};

pub fn init(json: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    // A second init (tests spawn many apps) is harmless: keep the first.
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being served: the `X-Request-Id` of the operator's
/// proxy (TRUST_X_FORWARDED_FOR) when it is a plausible id, a new one otherwise.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    fn from_header(value: Option<&HeaderValue>) -> RequestId {
        let given = value.and_then(|v| v.to_str().ok()).filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        });
        RequestId(given.map(str::to_owned).unwrap_or_else(new_id))
    }
}

/// Buckets (seconds) for request and job latencies: 1 ms to a minute.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Buckets (seconds) for how late a job starts after it was due.
const DELAY_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0];

/// The process's recorder, installed on first use. Tests start many apps in
/// one process; they share it, as the apps of one process would.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full("job_start_delay_seconds".into()), DELAY_BUCKETS))
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full("job_duration_seconds".into()), LATENCY_BUCKETS))
            .expect("bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        handle
    })
}

/// Around every request: its id (taken or made, answered in the response
/// header), the span every log line of the request carries, and the
/// request's count and latency by route template and status.
pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // A caller's id is believed only from the operator's own proxy (the
    // audit log records it); anyone else gets one made here.
    let given = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .filter(|_| state.config.trust_forwarded_for);
    let id = RequestId::from_header(given);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id.0, method = %method, route = %route);
    req.extensions_mut().insert(id.clone());
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = res.status();
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(
                status = status.as_u16(),
                ms = elapsed.as_millis() as u64,
                "request failed"
            );
        } else {
            tracing::debug!(
                status = status.as_u16(),
                ms = elapsed.as_millis() as u64,
                "request finished"
            );
        }
    });
    metrics(); // the recorder exists before the first count
    let labels = [
        ("route", route),
        ("method", method.to_string()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        res.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    res
}

/// A job attempt ended: counted by kind and outcome.
pub fn job_finished(kind: &str, outcome: &'static str, took: std::time::Duration) {
    metrics();
    metrics::counter!("jobs_total", "kind" => kind.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!("job_duration_seconds", "kind" => kind.to_owned()).record(took.as_secs_f64());
}

/// A job started `late_ms` after it was due.
pub fn job_started(kind: &str, late_ms: i64) {
    metrics();
    metrics::histogram!("job_start_delay_seconds", "kind" => kind.to_owned()).record(late_ms.max(0) as f64 / 1000.0);
}

/// A mail was sent, kept (no SMTP) or failed.
pub fn mail_handled(status: &'static str) {
    metrics();
    metrics::counter!("mails_total", "status" => status).increment(1);
}
