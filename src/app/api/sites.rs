use crate::app::error::AppError;
use crate::app::types::{ConnectionCheck, SiteDetail, SiteId, SiteSettings, SiteSummary, UpcomingRun};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "sites/list")]
pub async fn list_sites() -> Result<Vec<SiteSummary>, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(sites::list(&ctx, &state).await?)
}

#[server(prefix = "/api", endpoint = "sites/get")]
pub async fn get_site(site_id: SiteId, viewer_zone: String) -> Result<SiteDetail, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(sites::detail(&ctx, &state, &site_id, &viewer_zone).await?)
}

#[server(prefix = "/api", endpoint = "sites/add")]
pub async fn add_site(name: String, url: String, username: String, password: String) -> Result<SiteId, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    let input = sites::SiteInput::parse(&name, &url, &username, &password)?;
    let id = sites::create(&ctx, &state, input).await?;
    leptos_axum::redirect(&format!("/app/sites/{id}"));
    Ok(id)
}

/// An empty password keeps the stored one: the field is write-only.
#[server(prefix = "/api", endpoint = "sites/update")]
pub async fn update_site(
    site_id: SiteId,
    name: String,
    url: String,
    username: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    let input = sites::SiteInput::parse(&name, &url, &username, &password)?;
    Ok(sites::update(&ctx, &state, &site_id, input).await?)
}

#[server(prefix = "/api", endpoint = "sites/delete")]
pub async fn delete_site(site_id: SiteId) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    sites::delete(&ctx, &state, &site_id).await?;
    leptos_axum::redirect("/app/sites");
    Ok(())
}

#[server(prefix = "/api", endpoint = "sites/test")]
pub async fn test_connection(site_id: SiteId) -> Result<ConnectionCheck, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(sites::test_connection(&ctx, &state, &site_id).await?)
}

#[server(prefix = "/api", endpoint = "sites/automation")]
pub async fn set_automation(site_id: SiteId, on: bool) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(sites::set_automation(&ctx, &state, &site_id, on).await?)
}

#[server(prefix = "/api", endpoint = "sites/settings", input = server_fn::codec::Json)]
pub async fn save_site_settings(site_id: SiteId, settings: SiteSettings) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(sites::save_settings(&ctx, &state, &site_id, &settings).await?)
}

/// The next five runs of a schedule being edited, before it is saved.
#[server(prefix = "/api", endpoint = "sites/preview")]
pub async fn preview_schedule(
    kind: String,
    times: String,
    cron: String,
    time_zone: String,
    viewer_zone: String,
) -> Result<Vec<UpcomingRun>, AppError> {
    use crate::server::{auth::TenantContext, domain::Schedule, request as api, services::sites};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    let schedule = Schedule::parse(&kind, &times, &cron, &time_zone)?;
    Ok(sites::preview(&ctx, &state, &schedule, &viewer_zone).await?)
}
