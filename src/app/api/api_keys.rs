//! API keys: the keys page's list, create and revoke.

use crate::app::error::AppError;
use crate::app::types::{ApiKeyList, CreatedApiKey};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "api_keys/list")]
pub async fn list_api_keys(page: i64) -> Result<ApiKeyList, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::api_keys};
    let ctx = api::extract::<TenantContext>().await?;
    let mut list = api_keys::list(&ctx, &api::state()?, page).await?;
    list.draft = crate::server::drafts::take(&api::session().await?, &ctx, crate::server::rest::NEW_KEY).await;
    Ok(list)
}

/// `scopes`: names separated by spaces (`read write`); `expires_in_days`
/// empty for a key that never expires.
#[server(prefix = "/api", endpoint = "api_keys/create")]
pub async fn create_api_key(name: String, scopes: String, expires_in_days: String) -> Result<CreatedApiKey, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::api_keys};
    let ctx = api::extract::<TenantContext>().await?;
    let input = api_keys::NewApiKey::parse(&name, &[scopes], &expires_in_days)?;
    Ok(api_keys::create(&ctx, &api::state()?, input).await?)
}

#[server(prefix = "/api", endpoint = "api_keys/revoke")]
pub async fn revoke_api_key(key_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::api_keys};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(api_keys::revoke(&ctx, &api::state()?, &key_id).await?)
}
