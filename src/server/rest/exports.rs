//! Downloads: the workspace's audit log as CSV, with the filters the page
//! shows (`action`, `actor`, `days`), and the pricing decisions' audit
//! trail with the Decisions page's filters.

use crate::app::types::{AuditAction, AuditFilter, DecisionFilter};
use crate::server::auth::TenantContext;
use crate::server::error::ServerResult;
use crate::server::services::{audit, stores};
use crate::server::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(super) struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    days: Option<i64>,
}

pub(super) async fn audit_csv(
    ctx: TenantContext,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> ServerResult<Response> {
    let filter = AuditFilter {
        action: AuditAction::parse(&q.action),
        actor: q.actor,
        days: q.days.unwrap_or(0).clamp(0, 3650),
        workspace: None,
    };
    Ok(csv_download(
        "audit-log.csv",
        audit::export(&ctx, &state, &filter).await?,
    ))
}

pub(super) async fn decisions_csv(
    ctx: TenantContext,
    State(state): State<AppState>,
    Query(filter): Query<DecisionFilter>,
) -> ServerResult<Response> {
    Ok(csv_download(
        "pricing-decisions.csv",
        stores::decisions::csv(&ctx, &state, &filter).await?,
    ))
}

fn csv_download(name: &'static str, csv: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        csv,
    )
        .into_response()
}
