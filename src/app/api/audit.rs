//! The workspace's audit log, for its owners and admins.

use crate::app::error::AppError;
use crate::app::types::{AuditFilter, AuditPage};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(prefix = "/api", endpoint = "audit", input = Json)]
pub async fn list_audit(filter: AuditFilter, page: i64) -> Result<AuditPage, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::audit};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(audit::list(&ctx, &api::state()?, &filter, page).await?)
}
