//! What server functions (`app::api`) use to reach the server: the state,
//! extractors with their typed rejections, opening a signed-in session, and
//! the signed-in shell's view of a request (`Me`).

use crate::app::types::Me;
use crate::server::auth::{keys, CurrentUser, TenantContext};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::accounts::SignedIn;
use crate::server::services::workspaces;
use crate::server::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use leptos::prelude::use_context;
use tower_sessions::Session;

pub fn state() -> ServerResult<AppState> {
    use_context::<AppState>().ok_or_else(|| ServerError::internal("AppState missing from context"))
}

fn parts() -> ServerResult<Parts> {
    use_context::<Parts>().ok_or_else(|| ServerError::internal("request parts missing from context"))
}

/// Runs one of our extractors (`TenantContext`, `CurrentUser`, `ClientIp`)
/// keeping its typed rejection, unlike `leptos_axum::extract_with_state`.
pub async fn extract<T>() -> ServerResult<T>
where
    T: FromRequestParts<AppState, Rejection = ServerError>,
{
    let state = state()?;
    T::from_request_parts(&mut parts()?, &state).await
}

pub async fn session() -> ServerResult<Session> {
    let state = state()?;
    Session::from_request_parts(&mut parts()?, &state)
        .await
        .map_err(|(_, msg)| ServerError::internal(format!("session layer missing: {msg}")))
}

/// Opens a signed-in session under a new id, so a session id planted before
/// sign-in is worthless after it.
pub async fn start_session(session: &Session, who: &SignedIn) -> ServerResult<()> {
    session.cycle_id().await.map_err(ServerError::internal)?;
    // Nothing of whoever used this browser before stays.
    session
        .remove_value(crate::server::drafts::KEY)
        .await
        .map_err(ServerError::internal)?;
    session
        .insert(keys::USER_ID, &who.user_id)
        .await
        .map_err(ServerError::internal)?;
    session
        .insert(keys::EPOCH, who.session_epoch)
        .await
        .map_err(ServerError::internal)?;
    if let Some(tenant_id) = &who.tenant_id {
        session
            .insert(keys::TENANT_ID, tenant_id)
            .await
            .map_err(ServerError::internal)?;
    }
    Ok(())
}

/// The signed-in shell's view of a request: the user, the active workspace
/// and the others they can switch to.
impl FromRequestParts<AppState> for Me {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ServerResult<Self> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let ctx = TenantContext::from_request_parts(parts, state).await?;
        workspaces::me(&user, &ctx, state).await
    }
}
