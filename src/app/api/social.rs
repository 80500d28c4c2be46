//! Social channels: the channels page, the demo channel and disconnecting.

use crate::app::error::AppError;
use crate::app::types::ChannelList;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "social/channels")]
pub async fn channels_page() -> Result<ChannelList, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(social::page(&ctx, &api::state()?).await?)
}

/// Returns the account's id.
#[server(prefix = "/api", endpoint = "social/connect_demo")]
pub async fn connect_demo_channel() -> Result<String, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(social::connect_demo(&ctx, &api::state()?).await?)
}

#[server(prefix = "/api", endpoint = "social/disconnect")]
pub async fn disconnect_channel(account_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(social::disconnect(&ctx, &api::state()?, &account_id).await?)
}

/// The Pages and Instagram accounts a Facebook sign-in found.
#[server(prefix = "/api", endpoint = "social/pending")]
pub async fn pending_channels() -> Result<crate::app::types::PickList, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::oauth};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(oauth::pending(&ctx, &api::state()?, &api::session().await?).await?)
}
