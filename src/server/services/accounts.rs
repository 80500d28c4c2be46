//! Accounts: sign-up (user + first workspace), sign-in, email confirmation,
//! password reset and the platform-admin flag.

use crate::app::types::{AuditAction, Role, TenantId, UserId};
use crate::server::auth::{throttle, Origin};
use crate::server::db::{new_id, now, Db, Flag};
use crate::server::domain::{Email, Password, PersonName, WorkspaceName};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::audit::{self, Event};
use crate::server::services::email_links::{self, Purpose};
use crate::server::state::AppState;
use sqlx::{Any, Transaction};

pub struct NewAccount {
    pub name: PersonName,
    pub email: Email,
    pub password: Password,
    pub workspace: WorkspaceName,
}

/// The user a session is opened for.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: UserId,
    pub session_epoch: i64,
    pub tenant_id: Option<TenantId>,
}

/// The role a new workspace's creator gets.
pub const CREATOR_ROLE: Role = Role::Owner;

/// Creates the user and their first workspace, and mails a confirmation
/// link. Saying that an address is taken is a deliberate trade-off: every
/// sign-up form has to, and sign-in and reset still reveal nothing.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn sign_up(state: &AppState, ip: &str, input: NewAccount) -> ServerResult<SignedIn> {
    throttle::allow_sign_up(&state.db, ip).await?;
    let hash = state.hasher.hash(&input.password).await?;
    let (user_id, tenant_id, at) = (UserId::new(new_id()), TenantId::new(new_id()), now());
    let mut tx = state.db.pool.begin().await?;
    insert_user(&mut tx, &user_id, &input.name, &input.email, &hash, at).await?;
    crate::server::services::workspaces::insert_with_owner(&mut tx, &tenant_id, &input.workspace, &user_id, at).await?;
    tx.commit().await?;
    tracing::info!(%user_id, %tenant_id, "account created");
    email_links::mail_in_background(state, user_id.clone(), input.email.as_str().to_owned(), Purpose::Verify);
    Ok(SignedIn {
        user_id,
        session_epoch: 0,
        tenant_id: Some(tenant_id),
    })
}

/// Adds a user inside the caller's transaction; an address that has an
/// account already is a conflict the form can show.
pub(super) async fn insert_user(
    tx: &mut Transaction<'static, Any>,
    user_id: &UserId,
    name: &PersonName,
    email: &Email,
    password_hash: &str,
    at: i64,
) -> ServerResult<()> {
    let inserted =
        sqlx::query("insert into app_user (id, email, name, password_hash, created_at) values ($1, $2, $3, $4, $5)")
            .bind(user_id)
            .bind(email.as_str())
            .bind(name.as_str())
            .bind(password_hash)
            .bind(at)
            .execute(&mut **tx)
            .await;
    match inserted {
        Err(e) if crate::server::db::is_unique_violation(&e) => Err(ServerError::Conflict(
            "An account with this email already exists. Sign in instead.".into(),
        )),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

/// Checks credentials with throttling per address and per account. Unknown
/// email and wrong password give the same error, in the same time. Only
/// the right password learns that an account is suspended. Each outcome
/// is in the audit log.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn authenticate(state: &AppState, origin: &Origin, email: &str, password: &str) -> ServerResult<SignedIn> {
    let email = email.trim().to_lowercase();
    let attempt = throttle::begin_sign_in(&state.db, &origin.ip, &email).await?;
    let row: Option<(UserId, String, i64, Option<i64>)> =
        sqlx::query_as("select id, password_hash, session_epoch, suspended_at from app_user where email = $1")
            .bind(&email)
            .fetch_optional(&state.db.pool)
            .await?;
    let ok = state.hasher.verify(password, row.as_ref().map(|r| r.1.clone())).await?;
    let user_id = row.as_ref().map(|r| r.0.clone());
    let actor = audit::Actor {
        user_id: user_id.as_ref(),
        origin,
    };
    let nobody = audit::Actor { user_id: None, origin };
    match row {
        Some((user_id, _, session_epoch, None)) if ok => {
            throttle::succeeded(&state.db, attempt).await?;
            audit::insert(
                &state.db.pool,
                None,
                &actor,
                Event::new(AuditAction::SignedIn, "user", user_id.as_str()),
            )
            .await?;
            Ok(SignedIn {
                user_id,
                session_epoch,
                tenant_id: None,
            })
        }
        // A failed attempt is nobody's act: the account it named is its target.
        Some((user_id, _, _, Some(_))) if ok => {
            let event = Event::new(AuditAction::SignInFailed, "user", user_id.as_str()).detail("account suspended");
            audit::insert(&state.db.pool, None, &nobody, event).await?;
            Err(ServerError::Validation(suspended_message(state)))
        }
        Some((user_id, ..)) => {
            let event = Event::new(AuditAction::SignInFailed, "user", user_id.as_str()).detail("wrong password");
            audit::insert(&state.db.pool, None, &nobody, event).await?;
            Err(ServerError::Validation("The email or password is incorrect.".into()))
        }
        None => {
            // What was typed is kept only if it looks like an address: a
            // password pasted into the email field must not be stored.
            let typed = if email.contains('@') && email.len() <= 254 && !email.contains(char::is_whitespace) {
                email.as_str()
            } else {
                "(not an email address)"
            };
            let event = Event::new(AuditAction::SignInFailed, "email", typed).detail("no such account");
            audit::insert(&state.db.pool, None, &nobody, event).await?;
            Err(ServerError::Validation("The email or password is incorrect.".into()))
        }
    }
}

/// What a suspended user is told when they sign in.
pub fn suspended_message(state: &AppState) -> String {
    format!(
        "This account is suspended. To ask why or to have it restored, write to {}.",
        state.config.support_email
    )
}

/// Records that the user controls their address, and grants what waits for
/// that proof: platform admin when the address is in ADMIN_EMAILS.
pub(super) async fn mark_verified(
    tx: &mut Transaction<'static, Any>,
    state: &AppState,
    user_id: &UserId,
) -> ServerResult<()> {
    let (email,): (String,) = sqlx::query_as(
        "update app_user set email_verified_at = coalesce(email_verified_at, $1) where id = $2 returning email",
    )
    .bind(now())
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    if state.config.is_admin_email(&email) {
        sqlx::query("update app_user set is_platform_admin = $1 where id = $2")
            .bind(Flag(true))
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        tracing::info!(%user_id, "platform admin granted from ADMIN_EMAILS");
    }
    Ok(())
}

#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn verify_email(state: &AppState, token: &str) -> ServerResult<()> {
    let mut tx = state.db.pool.begin().await?;
    let user_id = email_links::spend(&mut tx, token, Purpose::Verify).await?;
    mark_verified(&mut tx, state, &user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Spends a reset token and sets the new password. Every existing session of
/// the user is signed out (the epoch moves on). The mailed link also proves
/// the address.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn reset_password(
    state: &AppState,
    origin: &Origin,
    token: &str,
    password: &Password,
) -> ServerResult<SignedIn> {
    let hash = state.hasher.hash(password).await?;
    let mut tx = state.db.pool.begin().await?;
    let user_id = email_links::spend(&mut tx, token, Purpose::Reset).await?;
    let (session_epoch,): (i64,) = sqlx::query_as(
        "update app_user set password_hash = $1, session_epoch = session_epoch + 1 where id = $2 \
         returning session_epoch",
    )
    .bind(&hash)
    .bind(&user_id)
    .fetch_one(&mut *tx)
    .await?;
    mark_verified(&mut tx, state, &user_id).await?;
    let actor = audit::Actor {
        user_id: Some(&user_id),
        origin,
    };
    audit::insert(
        &mut *tx,
        None,
        &actor,
        Event::new(AuditAction::PasswordReset, "user", user_id.as_str()),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password reset");
    Ok(SignedIn {
        user_id,
        session_epoch,
        tenant_id: None,
    })
}

/// Sets the platform-admin flag by the operator's word (`admin grant`);
/// answers whether such a user exists.
pub async fn grant_admin(db: &Db, email: &Email) -> ServerResult<bool> {
    let done = sqlx::query("update app_user set is_platform_admin = $1 where email = $2")
        .bind(Flag(true))
        .bind(email.as_str())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Applies ADMIN_EMAILS at start-up, to confirmed addresses only: anyone can
/// sign up with an address, only its owner can confirm it.
pub async fn grant_admin_emails(db: &Db, emails: &[String]) -> ServerResult<()> {
    for email in emails {
        sqlx::query("update app_user set is_platform_admin = $1 where email = $2 and email_verified_at is not null")
            .bind(Flag(true))
            .bind(email)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
