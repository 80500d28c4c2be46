//! Single-use links mailed to users: password resets and email
//! confirmations. Only a SHA-256 of each token is stored; a newer link of
//! the same kind replaces the older one. Mail goes out in the background,
//! so a request's timing never tells whether the address has an account.

use crate::app::types::UserId;
use crate::server::auth::throttle;
use crate::server::db::{now, Db};
use crate::server::domain::Email;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::mail::{send, Mail};
use crate::server::state::AppState;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Verify,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Verify => "verify",
        }
    }

    fn ttl_seconds(self) -> i64 {
        match self {
            Purpose::Reset => 60 * 60,
            Purpose::Verify => 7 * 24 * 60 * 60,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Purpose::Reset => "/reset-password",
            Purpose::Verify => "/verify-email",
        }
    }

    fn subject(self) -> &'static str {
        match self {
            Purpose::Reset => "Reset your Autopilot password",
            Purpose::Verify => "Confirm your email for Autopilot",
        }
    }

    fn body(self, link: &url::Url) -> String {
        match self {
            Purpose::Reset => format!(
                "Someone asked to reset the password of your Autopilot account.\n\n\
                 Open this link within an hour to choose a new password:\n{link}\n\n\
                 The link works once. If you did not ask for this, ignore this mail."
            ),
            Purpose::Verify => format!(
                "Welcome to Autopilot.\n\nConfirm that this address is yours by opening this link \
                 within 7 days:\n{link}\n\nIf you did not sign up, ignore this mail."
            ),
        }
    }
}

/// What is stored of a mailed token: its SHA-256, so a copy of the
/// database opens no link.
pub(super) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// A new link token: 32 random bytes as hex.
pub(super) fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

async fn issue(db: &Db, user_id: &UserId, purpose: Purpose) -> ServerResult<String> {
    let token = new_token();
    let at = now();
    let mut tx = db.pool.begin().await?;
    sqlx::query("delete from email_token where user_id = $1 and purpose = $2 and used_at is null")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into email_token (token_hash, user_id, purpose, expires_at, created_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(at + purpose.ttl_seconds())
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Spends a token inside the caller's transaction: one atomic update, so two
/// concurrent uses cannot both succeed. Returns the user it was issued to.
pub async fn spend(tx: &mut Transaction<'static, Any>, token: &str, purpose: Purpose) -> ServerResult<UserId> {
    let spent: Option<(UserId,)> = sqlx::query_as(
        "update email_token set used_at = $1 \
         where token_hash = $2 and purpose = $3 and used_at is null and expires_at > $1 returning user_id",
    )
    .bind(now())
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    spent
        .map(|(user_id,)| user_id)
        .ok_or_else(|| ServerError::Validation("This link is invalid, used or expired. Ask for a new one.".into()))
}

async fn issue_and_mail(state: &AppState, user_id: &UserId, email: &str, purpose: Purpose) -> ServerResult<()> {
    let token = issue(&state.db, user_id, purpose).await?;
    let expires_at = now() + purpose.ttl_seconds();
    let mut link = state
        .config
        .app_url
        .join(purpose.path())
        .map_err(ServerError::internal)?;
    link.query_pairs_mut().append_pair("token", &token);
    let mail = Mail {
        to: email,
        subject: purpose.subject(),
        body: &purpose.body(&link),
        link_expires_at: Some(expires_at),
    };
    send(state, &mail).await
}

/// Issues and mails a link. No request waits for it, so failures are logged.
async fn mail_link(state: &AppState, user_id: &UserId, email: &str, purpose: Purpose) {
    if let Err(e) = issue_and_mail(state, user_id, email, purpose).await {
        tracing::warn!(error = ?e, ?purpose, "could not mail a link");
    }
}

/// Mails a link without making the request wait for the mail server.
pub fn mail_in_background(state: &AppState, user_id: UserId, email: String, purpose: Purpose) {
    let state = state.clone();
    tokio::spawn(async move { mail_link(&state, &user_id, &email, purpose).await });
}

/// Mails a reset link if the address has an account. Answers the same, in
/// the same time, either way; at most a few mails per address per window.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn request_password_reset(state: &AppState, email: &Email) -> ServerResult<()> {
    if !throttle::allow_mail(&state.db, email.as_str()).await? {
        tracing::warn!("reset mail throttled");
        return Ok(());
    }
    let state = state.clone();
    let email = email.clone();
    tokio::spawn(async move {
        let user: Result<Option<(UserId,)>, _> = sqlx::query_as("select id from app_user where email = $1")
            .bind(email.as_str())
            .fetch_optional(&state.db.pool)
            .await;
        match user {
            Ok(Some((user_id,))) => mail_link(&state, &user_id, email.as_str(), Purpose::Reset).await,
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not look up a reset address"),
        }
    });
    Ok(())
}

/// Sends the signed-in user a fresh confirmation link.
pub async fn resend_verification(state: &AppState, user_id: &UserId, email: &str) -> ServerResult<()> {
    if !throttle::allow_mail(&state.db, email).await? {
        return Err(ServerError::Throttled(
            "We just sent a link. Please wait a few minutes.".into(),
        ));
    }
    mail_in_background(state, user_id.clone(), email.to_owned(), Purpose::Verify);
    Ok(())
}
