//! What every platform sign-in (OAuth 2.0 authorisation code) shares: a
//! random `state` bound to this session, person, workspace and platform
//! for ten minutes, and a renewal lock on the row whose single-use refresh
//! token it spends (a social account or a store).

use crate::app::types::TenantId;
use crate::server::auth::TenantContext;
use crate::server::db::{now, now_ms};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{enqueue, NewJob, Start};
use crate::server::state::AppState;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// The session key of the sign-in under way (one at a time).
const KEY: &str = "sign_in";
/// How long a person has to finish signing in.
const STARTED_SECONDS: i64 = 600;

#[derive(Serialize, Deserialize)]
struct Started {
    state: String,
    /// Which sign-in: "meta", "tiktok", "salla".
    platform: String,
    tenant_id: String,
    user_id: String,
    expires_at: i64,
}

fn user_of(ctx: &TenantContext) -> String {
    ctx.user_id().map(|u| u.to_string()).unwrap_or_default()
}

/// What a platform's redirect brings back to its callback.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Starts a sign-in: returns the `state` to send to the platform.
pub async fn start(ctx: &TenantContext, session: &Session, platform: &str) -> ServerResult<String> {
    let nonce = hex::encode(rand::random::<[u8; 32]>());
    let started = Started {
        state: nonce.clone(),
        platform: platform.to_string(),
        tenant_id: ctx.tenant_id().to_string(),
        user_id: user_of(ctx),
        expires_at: now() + STARTED_SECONDS,
    };
    session.insert(KEY, started).await.map_err(ServerError::internal)?;
    Ok(nonce)
}

/// Takes the sign-in under way: Ok when the platform sent back its state,
/// for this platform, person and workspace, in time. Either way it is
/// spent: a state works once.
pub async fn finish(
    ctx: &TenantContext,
    session: &Session,
    platform: &str,
    returned: Option<&str>,
) -> ServerResult<()> {
    let started: Option<Started> = session.remove(KEY).await.map_err(ServerError::internal)?;
    let valid = started.is_some_and(|s| {
        returned == Some(s.state.as_str())
            && s.platform == platform
            && s.tenant_id == ctx.tenant_id().as_str()
            && s.user_id == user_of(ctx)
            && s.expires_at > now()
    });
    if valid {
        Ok(())
    } else {
        Err(ServerError::BadRequest(
            "That sign-in expired or was not started here. Start again from this page.".into(),
        ))
    }
}

/// Queues the renewal job `kind` of the row `subject_id`, whose access
/// token runs out at `expires_at`, to run `ahead_seconds` before then (at
/// once when that has passed). The expiry is the job's slot, so one token
/// gets one renewal however often this is called.
pub async fn queue_renewal<'e>(
    exec: impl sqlx::Executor<'e, Database = sqlx::Any>,
    state: &AppState,
    kind: &'static str,
    tenant_id: &TenantId,
    subject_id: &str,
    expires_at: i64,
    ahead_seconds: i64,
) -> ServerResult<()> {
    let job = NewJob {
        tenant_id,
        kind,
        subject_id,
        slot: expires_at,
        run_at_ms: ((expires_at - ahead_seconds) * 1000).max(now_ms()),
        max_attempts: state.config.worker.max_attempts,
    };
    enqueue(exec, &job, Start::Queued).await?;
    Ok(())
}

/// How long one renewal may hold a row's lock: well beyond the clients'
/// 20-second timeouts, so a live holder never loses it.
pub const LOCK_SECONDS: i64 = 120;

/// Takes the renewal lock of a connected row of `table` (`social_account`
/// or `store`): Some(lock) when taken, None when another renewal holds it.
pub async fn lock(
    pool: &sqlx::AnyPool,
    table: &'static str,
    tenant_id: &TenantId,
    id: &str,
) -> ServerResult<Option<String>> {
    let lock = hex::encode(rand::random::<[u8; 16]>());
    let at = now();
    let taken = sqlx::query(&format!(
        "update {table} set token_lock = $3, token_locked_until = $4 where id = $1 and tenant_id = $2 \
         and status = 'connected' and (token_lock is null or token_locked_until < $5)"
    ))
    .bind(id)
    .bind(tenant_id)
    .bind(&lock)
    .bind(at + LOCK_SECONDS)
    .bind(at)
    .execute(pool)
    .await?;
    Ok((taken.rows_affected() == 1).then_some(lock))
}

/// Lets go of a renewal lock, if it is still `lock`.
pub async fn unlock(
    pool: &sqlx::AnyPool,
    table: &'static str,
    tenant_id: &TenantId,
    id: &str,
    lock: &str,
) -> ServerResult<()> {
    sqlx::query(&format!(
        "update {table} set token_lock = null, token_locked_until = null \
         where id = $1 and tenant_id = $2 and token_lock = $3"
    ))
    .bind(id)
    .bind(tenant_id)
    .bind(lock)
    .execute(pool)
    .await?;
    Ok(())
}
