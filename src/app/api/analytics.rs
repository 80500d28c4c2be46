use crate::app::error::AppError;
use crate::app::types::{Analytics, AnalyticsQuery};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(prefix = "/api", endpoint = "analytics", input = Json)]
pub async fn get_analytics(query: AnalyticsQuery) -> Result<Analytics, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::analytics};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(analytics::report(&ctx, &api::state()?, &query).await?)
}
