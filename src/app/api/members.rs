//! Members and invitations: the members page's actions and the invitation
//! link's three ways to accept.

use crate::app::error::AppError;
use crate::app::types::{InvitationId, InvitationView, MemberList, UserId};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<crate::app::types::Role, crate::server::error::ServerError> {
    crate::app::types::Role::parse(role)
        .ok_or_else(|| crate::server::error::ServerError::Validation("Choose one of the roles.".into()))
}

#[server(prefix = "/api", endpoint = "members/list")]
pub async fn list_members(q: String, page: i64) -> Result<MemberList, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::members};
    let ctx = api::extract::<TenantContext>().await?;
    let mut list = members::list(&ctx, &api::state()?, &q, page).await?;
    list.draft = crate::server::drafts::take(&api::session().await?, &ctx, INVITE_FORM).await;
    Ok(list)
}

/// The invitation form, for its refused fields (`server::drafts`).
#[cfg(feature = "ssr")]
const INVITE_FORM: &str = "members/invite";

#[server(prefix = "/api", endpoint = "members/invite")]
pub async fn invite_member(email: String, role: String) -> Result<InvitationId, AppError> {
    use crate::server::{auth::TenantContext, domain::Email, request as api, services::members::invitations};
    let ctx = api::extract::<TenantContext>().await?;
    let invited = match (Email::parse(&email), parse_role(&role)) {
        (Ok(address), Ok(chosen)) => invitations::invite(&ctx, &api::state()?, &address, chosen).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    if invited.is_err() {
        let fields = vec![("email".into(), email), ("role".into(), role)];
        crate::server::drafts::keep(&api::session().await?, &ctx, INVITE_FORM, fields).await;
    }
    Ok(invited?)
}

#[server(prefix = "/api", endpoint = "members/resend")]
pub async fn resend_invitation(invitation_id: InvitationId) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::members::invitations};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(invitations::resend(&ctx, &api::state()?, &invitation_id).await?)
}

#[server(prefix = "/api", endpoint = "members/revoke")]
pub async fn revoke_invitation(invitation_id: InvitationId) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::members::invitations};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(invitations::revoke(&ctx, &api::state()?, &invitation_id).await?)
}

#[server(prefix = "/api", endpoint = "members/change_role")]
pub async fn change_member_role(user_id: UserId, role: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::members};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(members::change_role(&ctx, &api::state()?, &user_id, parse_role(&role)?).await?)
}

#[server(prefix = "/api", endpoint = "members/remove")]
pub async fn remove_member(user_id: UserId) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::members};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(members::remove(&ctx, &api::state()?, &user_id).await?)
}

/// Leaves the active workspace; the next page opens the user's first one.
#[server(prefix = "/api", endpoint = "members/leave")]
pub async fn leave_workspace() -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::members};
    let ctx = api::extract::<TenantContext>().await?;
    members::leave(&ctx, &api::state()?).await?;
    leptos_axum::redirect("/app");
    Ok(())
}

/// What an invitation link offers; works signed in or out.
#[server(prefix = "/api", endpoint = "invitations/view")]
pub async fn view_invitation(token: String) -> Result<InvitationView, AppError> {
    use crate::server::{auth::CurrentUser, request as api, services::members::invitations};
    let user = api::extract::<CurrentUser>().await.ok();
    Ok(invitations::view(&api::state()?, &token, user.as_ref()).await?)
}

/// The signed-in user accepts and lands in the workspace.
#[server(prefix = "/api", endpoint = "invitations/accept")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use crate::server::{auth::*, error::ServerError, request as api, services::members::invitations};
    let (state, user) = (api::state()?, api::extract::<CurrentUser>().await?);
    let tenant_id = invitations::accept(&user, &state, &api::extract::<Origin>().await?, &token).await?;
    user.session
        .insert(keys::TENANT_ID, &tenant_id)
        .await
        .map_err(ServerError::internal)?;
    leptos_axum::redirect("/app");
    Ok(())
}

#[server(prefix = "/api", endpoint = "invitations/sign_up")]
pub async fn accept_invitation_signing_up(token: String, name: String, password: String) -> Result<(), AppError> {
    use crate::server::{auth::Origin, domain::*, request as api, services::members::invitations};
    let (state, origin) = (api::state()?, api::extract::<Origin>().await?);
    let (name, password) = (PersonName::parse(&name)?, Password::parse(password)?);
    let who = invitations::accept_signing_up(&state, &origin, &token, &name, &password).await?;
    api::start_session(&api::session().await?, &who).await?;
    leptos_axum::redirect("/app");
    Ok(())
}

#[server(prefix = "/api", endpoint = "invitations/sign_in")]
pub async fn accept_invitation_signing_in(token: String, password: String) -> Result<(), AppError> {
    use crate::server::{auth::Origin, request as api, services::members::invitations};
    let (state, origin) = (api::state()?, api::extract::<Origin>().await?);
    let who = invitations::accept_signing_in(&state, &origin, &token, &password).await?;
    api::start_session(&api::session().await?, &who).await?;
    leptos_axum::redirect("/app");
    Ok(())
}
