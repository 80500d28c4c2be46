use crate::app::error::AppError;
use crate::app::types::{DashboardSummary, TenantId};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "workspaces/create")]
pub async fn create_workspace(name: String) -> Result<TenantId, AppError> {
    use crate::server::{auth::*, domain::WorkspaceName, error::ServerError, request as api, services::workspaces};
    let state = api::state()?;
    let user = api::extract::<CurrentUser>().await?;
    let tenant_id = workspaces::create(&user, &state, &WorkspaceName::parse(&name)?).await?;
    user.session
        .insert(keys::TENANT_ID, &tenant_id)
        .await
        .map_err(ServerError::internal)?;
    leptos_axum::redirect("/app");
    Ok(tenant_id)
}

/// Makes another of the user's workspaces the active one.
#[server(prefix = "/api", endpoint = "workspaces/switch")]
pub async fn switch_workspace(workspace_id: TenantId) -> Result<(), AppError> {
    use crate::server::{auth::*, error::ServerError, request as api};
    let state = api::state()?;
    let user = api::extract::<CurrentUser>().await?;
    // NotFound unless a member, so other workspaces' ids reveal nothing.
    let target = membership(&state.db, &user.user_id, Some(&workspace_id))
        .await?
        .ok_or(ServerError::NotFound)?;
    user.session
        .insert(keys::TENANT_ID, target.tenant_id())
        .await
        .map_err(ServerError::internal)?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "workspaces/rename")]
pub async fn rename_workspace(workspace_id: TenantId, name: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, domain::WorkspaceName, request as api, services::workspaces};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    workspaces::rename(&ctx, &state, &workspace_id, &WorkspaceName::parse(&name)?).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "workspaces/dashboard")]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::workspaces};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(workspaces::dashboard(&ctx, &state).await?)
}
