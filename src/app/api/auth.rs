use crate::app::error::AppError;
use crate::app::types::Me;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "auth/sign_up")]
pub async fn sign_up(name: String, email: String, password: String, workspace: String) -> Result<(), AppError> {
    use crate::server::{auth::ClientIp, domain::*, request as api, services::accounts};
    let state = api::state()?;
    let ip = api::extract::<ClientIp>().await?;
    let input = accounts::NewAccount {
        name: PersonName::parse(&name)?,
        email: Email::parse(&email)?,
        password: Password::parse(password)?,
        workspace: WorkspaceName::parse(&workspace)?,
    };
    let who = accounts::sign_up(&state, &ip.0, input).await?;
    api::start_session(&api::session().await?, &who).await?;
    leptos_axum::redirect("/app");
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/log_in")]
pub async fn log_in(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{auth::Origin, request as api, services::accounts};
    let state = api::state()?;
    let origin = api::extract::<Origin>().await?;
    let who = accounts::authenticate(&state, &origin, &email, &password).await?;
    api::start_session(&api::session().await?, &who).await?;
    leptos_axum::redirect("/app");
    Ok(())
}

/// Destroys the session on the server, not just the cookie.
#[server(prefix = "/api", endpoint = "auth/log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::server::{error::ServerError, request as api};
    let session = api::session().await?;
    session.flush().await.map_err(ServerError::internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{domain::Email, request as api, services::email_links};
    let state = api::state()?;
    email_links::request_password_reset(&state, &Email::parse(&email)?).await?;
    Ok(())
}

/// Confirms the address a link was mailed to.
#[server(prefix = "/api", endpoint = "auth/verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::server::{request as api, services::accounts};
    accounts::verify_email(&api::state()?, &token).await?;
    leptos_axum::redirect("/app");
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::server::{auth::CurrentUser, request as api, services::email_links};
    let user = api::extract::<CurrentUser>().await?;
    email_links::resend_verification(&api::state()?, &user.user_id, &user.email).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::server::{auth::Origin, domain::Password, request as api, services::accounts};
    let state = api::state()?;
    let origin = api::extract::<Origin>().await?;
    let who = accounts::reset_password(&state, &origin, &token, &Password::parse(password)?).await?;
    api::start_session(&api::session().await?, &who).await?;
    leptos_axum::redirect("/app");
    Ok(())
}

/// The signed-in user and workspace, or `None` when signed out.
#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    use crate::server::{error::ServerError, request as api};
    match api::extract::<Me>().await {
        Err(ServerError::Unauthorized | ServerError::Suspended) => Ok(None),
        other => Ok(Some(other?)),
    }
}
