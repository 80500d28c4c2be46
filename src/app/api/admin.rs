//! Platform admin functions. Each extracts `PlatformAdmin` first, so anyone
//! else (signed out included) gets the same 404 as for an unknown address.

use crate::app::error::AppError;
use crate::app::types::{
    AdminJob, AdminJobFilter, AdminUser, AdminUserFilter, AdminWorkspace, AdminWorkspaceDetail, AdminWorkspaceFilter,
    AuditFilter, AuditPage, BusinessFigures, JobId, OutboxEntry, Paged, SystemHealth, TenantId, UserId,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(prefix = "/api", endpoint = "admin/users", input = Json)]
pub async fn admin_users(filter: AdminUserFilter, page: i64) -> Result<Paged<AdminUser>, AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    Ok(admin::users(&admin, &api::state()?, &filter, page).await?)
}

#[server(prefix = "/api", endpoint = "admin/workspaces", input = Json)]
pub async fn admin_workspaces(filter: AdminWorkspaceFilter, page: i64) -> Result<Paged<AdminWorkspace>, AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    Ok(admin::workspaces(&admin, &api::state()?, &filter, page).await?)
}

#[server(prefix = "/api", endpoint = "admin/workspace")]
pub async fn get_admin_workspace(id: TenantId) -> Result<AdminWorkspaceDetail, AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    Ok(admin::workspace(&admin, &api::state()?, &id).await?)
}

/// Suspends the user when `suspend` is "true" (with a reason), lifts it otherwise.
#[server(prefix = "/api", endpoint = "admin/user-suspension")]
pub async fn set_user_suspension(user_id: UserId, suspend: String, reason: String) -> Result<(), AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    let reason = (suspend == "true").then_some(reason.as_str());
    Ok(admin::suspend_user(&admin, &api::state()?, &user_id, reason).await?)
}

#[server(prefix = "/api", endpoint = "admin/workspace-suspension")]
pub async fn set_workspace_suspension(workspace_id: TenantId, suspend: String, reason: String) -> Result<(), AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    let reason = (suspend == "true").then_some(reason.as_str());
    Ok(admin::suspend_workspace(&admin, &api::state()?, &workspace_id, reason).await?)
}

#[server(prefix = "/api", endpoint = "admin/jobs", input = Json)]
pub async fn admin_jobs(filter: AdminJobFilter, page: i64) -> Result<Paged<AdminJob>, AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    Ok(admin::jobs::list(&admin, &api::state()?, &filter, page).await?)
}

/// `action` is "retry" or "cancel".
#[server(prefix = "/api", endpoint = "admin/job")]
pub async fn admin_job_action(job_id: JobId, action: String) -> Result<(), AppError> {
    use crate::server::{auth::PlatformAdmin, error::ServerError, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    let state = api::state()?;
    match action.as_str() {
        "retry" => Ok(admin::jobs::retry(&admin, &state, &job_id).await?),
        "cancel" => Ok(admin::jobs::cancel(&admin, &state, &job_id).await?),
        _ => Err(ServerError::BadRequest("Unknown job action.".into()).into()),
    }
}

#[server(prefix = "/api", endpoint = "admin/outbox")]
pub async fn admin_outbox() -> Result<Vec<OutboxEntry>, AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::mail};
    let admin = api::extract::<PlatformAdmin>().await?;
    Ok(mail::outbox(&admin, &api::state()?, 200).await?)
}

#[server(prefix = "/api", endpoint = "admin/health")]
pub async fn admin_health() -> Result<SystemHealth, AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    Ok(admin::health::report(&admin, &api::state()?).await?)
}

#[server(prefix = "/api", endpoint = "admin/figures")]
pub async fn admin_figures() -> Result<BusinessFigures, AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    Ok(admin::figures::business(&admin, &api::state()?).await?)
}

#[server(prefix = "/api", endpoint = "admin/audit", input = Json)]
pub async fn admin_audit(filter: AuditFilter, page: i64) -> Result<AuditPage, AppError> {
    use crate::server::{auth::PlatformAdmin, request as api, services::audit};
    let admin = api::extract::<PlatformAdmin>().await?;
    Ok(audit::list_all(&admin, &api::state()?, &filter, page).await?)
}

/// Opens a read-only support view of a workspace; the reason is audited.
#[server(prefix = "/api", endpoint = "admin/support-view")]
pub async fn open_support_view(workspace_id: TenantId, reason: String) -> Result<(), AppError> {
    use crate::server::auth::{keys, PlatformAdmin, SupportView};
    use crate::server::{error::ServerError, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    admin::open_support_view(&admin, &api::state()?, &workspace_id, &reason).await?;
    let view = SupportView {
        tenant_id: workspace_id,
        reason: reason.trim().chars().take(500).collect(),
        opened_at: crate::server::db::now(),
    };
    let session = api::session().await?;
    session
        .insert(keys::SUPPORT, view)
        .await
        .map_err(ServerError::internal)?;
    leptos_axum::redirect("/app");
    Ok(())
}

#[server(prefix = "/api", endpoint = "admin/support-view/close")]
pub async fn close_support_view() -> Result<(), AppError> {
    use crate::server::auth::{keys, PlatformAdmin, SupportView};
    use crate::server::{error::ServerError, request as api, services::admin};
    let admin = api::extract::<PlatformAdmin>().await?;
    let session = api::session().await?;
    let view: Option<SupportView> = session.remove(keys::SUPPORT).await.map_err(ServerError::internal)?;
    if let Some(view) = view {
        admin::close_support_view(&admin, &api::state()?, &view.tenant_id).await?;
    }
    leptos_axum::redirect("/app/admin/workspaces");
    Ok(())
}
