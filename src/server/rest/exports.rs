//! Downloads: the workspace's audit log as CSV, with the filters the page
//! shows (`action`, `actor`, `days`).

use crate::app::types::{AuditAction, AuditFilter};
use crate::server::auth::TenantContext;
use crate::server::error::ServerResult;
use crate::server::services::audit;
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
    let csv = audit::export(&ctx, &state, &filter).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response())
}
