//! Outgoing webhooks: the page's data, removing an endpoint and re-sending
//! a delivery. Adding an endpoint and rolling its secret are plain forms
//! answered by `server::rest::webhook_forms`, which show the secret once.

use crate::app::error::AppError;
use crate::app::types::WebhookPage;
use leptos::prelude::*;

/// `endpoint_id` empty for the first endpoint's log.
#[server(prefix = "/api", endpoint = "webhooks/page")]
pub async fn webhooks_page(endpoint_id: String, page: i64) -> Result<WebhookPage, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::webhooks};
    let ctx = api::extract::<TenantContext>().await?;
    let endpoint = Some(endpoint_id.as_str()).filter(|e| !e.is_empty());
    let mut found = webhooks::page(&ctx, &api::state()?, endpoint, page).await?;
    found.draft = crate::server::drafts::take(&api::session().await?, &ctx, crate::server::rest::NEW_WEBHOOK).await;
    Ok(found)
}

#[server(prefix = "/api", endpoint = "webhooks/remove")]
pub async fn remove_webhook(endpoint_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::webhooks};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(webhooks::remove(&ctx, &api::state()?, &endpoint_id).await?)
}

/// Returns the new delivery's id.
#[server(prefix = "/api", endpoint = "webhooks/resend")]
pub async fn resend_webhook(delivery_id: String) -> Result<String, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::webhooks};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(webhooks::resend(&ctx, &api::state()?, &delivery_id).await?)
}
