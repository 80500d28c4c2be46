//! Accounts: sign-up (user + first workspace), sign-in, password reset and
//! the platform-admin flag.

use crate::app::types::Role;
use crate::server::auth::throttle;
use crate::server::db::{new_id, now, Db, Flag};
use crate::server::domain::{Email, Password, PersonName, WorkspaceName};
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use sha2::{Digest, Sha256};

/// How long a password reset link stays valid.
pub const RESET_TTL_SECONDS: i64 = 60 * 60;

pub struct NewAccount {
    pub name: PersonName,
    pub email: Email,
    pub password: Password,
    pub workspace: WorkspaceName,
}

/// The user a session is opened for.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: String,
    pub session_epoch: i64,
    pub tenant_id: Option<String>,
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[tracing::instrument(skip_all, err)]
pub async fn sign_up(state: &AppState, input: NewAccount) -> ServerResult<SignedIn> {
    let hash = state.hasher.hash(&input.password).await?;
    let (user_id, tenant_id, at) = (new_id(), new_id(), now());
    let admin = Flag(state.config.is_admin_email(input.email.as_str()));
    let mut tx = state.db.pool.begin().await?;
    let inserted = sqlx::query(
        "insert into app_user (id, email, name, password_hash, is_platform_admin, created_at) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&user_id)
    .bind(input.email.as_str())
    .bind(input.name.as_str())
    .bind(&hash)
    .bind(admin)
    .bind(at)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(ServerError::Conflict(
                "An account with this email already exists. Sign in instead.".into(),
            ))
        }
        other => other?,
    };
    crate::server::services::workspaces::insert_with_owner(&mut tx, &tenant_id, &input.workspace, &user_id, at).await?;
    tx.commit().await?;
    tracing::info!(user_id, tenant_id, "account created");
    Ok(SignedIn {
        user_id,
        session_epoch: 0,
        tenant_id: Some(tenant_id),
    })
}

/// Checks credentials with throttling per address and per account. Unknown
/// email and wrong password give the same error, in the same time.
#[tracing::instrument(skip_all, err)]
pub async fn authenticate(state: &AppState, ip: &str, email: &str, password: &str) -> ServerResult<SignedIn> {
    let email = email.trim().to_lowercase();
    throttle::check(&state.db, ip, &email).await?;
    let row: Option<(String, String, i64)> =
        sqlx::query_as("select id, password_hash, session_epoch from app_user where email = $1")
            .bind(&email)
            .fetch_optional(&state.db.pool)
            .await?;
    let ok = state.hasher.verify(password, row.as_ref().map(|r| r.1.clone())).await?;
    match row {
        Some((user_id, _, session_epoch)) if ok => {
            throttle::clear_account(&state.db, &email).await?;
            apply_admin_email(state, &user_id, &email).await?;
            Ok(SignedIn {
                user_id,
                session_epoch,
                tenant_id: None,
            })
        }
        _ => {
            throttle::record_failure(&state.db, ip, &email).await?;
            Err(ServerError::Validation("The email or password is incorrect.".into()))
        }
    }
}

/// ADMIN_EMAILS is honoured at sign-in too, so a listed address that signed
/// up before the list changed still becomes an admin.
async fn apply_admin_email(state: &AppState, user_id: &str, email: &str) -> ServerResult<()> {
    if state.config.is_admin_email(email) {
        sqlx::query("update app_user set is_platform_admin = 1 where id = $1")
            .bind(user_id)
            .execute(&state.db.pool)
            .await?;
    }
    Ok(())
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Mails a single-use reset link if the address has an account. Always
/// succeeds for a well-formed address so it reveals nothing.
#[tracing::instrument(skip_all, err)]
pub async fn request_password_reset(state: &AppState, email: &Email) -> ServerResult<()> {
    let user: Option<(String,)> = sqlx::query_as("select id from app_user where email = $1")
        .bind(email.as_str())
        .fetch_optional(&state.db.pool)
        .await?;
    let Some((user_id,)) = user else { return Ok(()) };
    let token = hex::encode(rand::random::<[u8; 32]>());
    let at = now();
    let mut tx = state.db.pool.begin().await?;
    // Only the newest link works.
    sqlx::query("delete from password_reset where user_id = $1 and used_at is null")
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("insert into password_reset (token_hash, user_id, expires_at, created_at) values ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(&user_id)
        .bind(at + RESET_TTL_SECONDS)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut link = state
        .config
        .app_url
        .join("/reset-password")
        .map_err(ServerError::internal)?;
    link.query_pairs_mut().append_pair("token", &token);
    let body = format!(
        "Someone asked to reset the password of your Autopilot account.\n\n\
         Open this link within an hour to choose a new password:\n{link}\n\n\
         The link works once. If you did not ask for this, ignore this mail."
    );
    state
        .mailer
        .send(email.as_str(), "Reset your Autopilot password", &body)
        .await
}

/// Spends a reset token and sets the new password. Every existing session of
/// the user is signed out (the epoch moves on).
#[tracing::instrument(skip_all, err)]
pub async fn reset_password(state: &AppState, token: &str, password: &Password) -> ServerResult<SignedIn> {
    let hash = state.hasher.hash(password).await?;
    let at = now();
    let mut tx = state.db.pool.begin().await?;
    let spent: Option<(String,)> = sqlx::query_as(
        "update password_reset set used_at = $1 \
         where token_hash = $2 and used_at is null and expires_at > $1 returning user_id",
    )
    .bind(at)
    .bind(token_hash(token.trim()))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user_id,)) = spent else {
        return Err(ServerError::Validation(
            "This reset link is invalid, used or expired. Ask for a new one.".into(),
        ));
    };
    let (session_epoch,): (i64,) = sqlx::query_as(
        "update app_user set password_hash = $1, session_epoch = session_epoch + 1 where id = $2 \
         returning session_epoch",
    )
    .bind(&hash)
    .bind(&user_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(user_id, "password reset");
    Ok(SignedIn {
        user_id,
        session_epoch,
        tenant_id: None,
    })
}

/// Sets the platform-admin flag; answers whether such a user exists.
pub async fn grant_admin(db: &Db, email: &Email) -> ServerResult<bool> {
    let done = sqlx::query("update app_user set is_platform_admin = 1 where email = $1")
        .bind(email.as_str())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The role a new workspace's creator gets.
pub const CREATOR_ROLE: Role = Role::Owner;
