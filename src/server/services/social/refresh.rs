//! Keeping TikTok sign-ins alive. An access token lasts hours and its
//! refresh token months, and every refresh hands out a new refresh token
//! while the one sent stops working. So a refresh runs under the account's
//! token lock (see the migration that adds it): whoever holds it calls
//! TikTok and writes the new pair only while the lock is still its own;
//! anyone else waits for it instead of spending the same refresh token.
//! A job per access token (`social-token-refresh`, slot = its expiry)
//! refreshes it a quarter of an hour before it runs out. A refusal marks
//! the account "reconnect" with the reason.
//!
//! A crash after TikTok answered and before the new pair is written loses
//! that pair: the account then asks to be reconnected, never half-works.

use super::{binding, REFRESH_TOKEN};
use crate::app::types::{Platform, Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::db::now;
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{ClaimedJob, Done, Failure, JobKind, Lease};
use crate::server::services::sign_ins;
use crate::server::state::AppState;

pub const KIND: &str = "social-token-refresh";
/// Refresh this long before the access token runs out.
const AHEAD_SECONDS: i64 = 15 * 60;
/// How far apart the clocks of processes sharing a database may be.
const CLOCK_SLACK_SECONDS: i64 = 120;

/// How a refresh went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    /// New tokens are stored; the access token lasts until then.
    Done { expires_at: i64 },
    /// Nothing to do: the token is fresh, or the account is not connected.
    NotDue,
    /// Another refresh holds the account's lock.
    Busy,
    /// TikTok refused: the account now asks to be reconnected.
    Revoked(String),
    /// TikTok could not be reached or asked us to slow down.
    Later(String),
}

/// Queues the refresh of an access token that runs out at `expires_at`.
pub async fn schedule(state: &AppState, tenant_id: &TenantId, account_id: &str, expires_at: i64) -> ServerResult<()> {
    schedule_in(&state.db.pool, state, tenant_id, account_id, expires_at).await
}

/// `schedule` within a transaction (a connect queues its first renewal
/// with the tokens, so no account is left without one).
pub async fn schedule_in<'e>(
    exec: impl sqlx::Executor<'e, Database = sqlx::Any>,
    state: &AppState,
    tenant_id: &TenantId,
    account_id: &str,
    expires_at: i64,
) -> ServerResult<()> {
    sign_ins::queue_renewal(exec, state, KIND, tenant_id, account_id, expires_at, AHEAD_SECONDS).await
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    platform: String,
    status: String,
    token_expires_at: Option<i64>,
    refresh_token_sealed: Option<String>,
}

async fn row(state: &AppState, tenant_id: &TenantId, account_id: &str) -> ServerResult<Option<TokenRow>> {
    Ok(sqlx::query_as(
        "select platform, status, token_expires_at, refresh_token_sealed from social_account \
         where id = $1 and tenant_id = $2",
    )
    .bind(account_id)
    .bind(tenant_id)
    .fetch_optional(&state.db.pool)
    .await?)
}

/// A connected TikTok account whose access token runs out within the
/// margin, with a refresh token to spend.
fn due(row: &TokenRow) -> bool {
    row.platform == Platform::Tiktok.as_str()
        && row.status == "connected"
        && row.refresh_token_sealed.is_some()
        // The slack lets a renewal job, due at expiry minus the margin, find
        // the token due even on a worker whose clock runs a little behind.
        && row.token_expires_at.is_none_or(|at| at <= now() + AHEAD_SECONDS + CLOCK_SLACK_SECONDS)
}

/// Refreshes the account's TikTok tokens if they are due, one refresh at
/// a time per account.
pub async fn refresh(state: &AppState, tenant_id: &TenantId, account_id: &str) -> ServerResult<Refreshed> {
    if !row(state, tenant_id, account_id).await?.is_some_and(|r| due(&r)) {
        return Ok(Refreshed::NotDue);
    }
    let Some(lock) = sign_ins::lock(&state.db.pool, "social_account", tenant_id, account_id).await? else {
        return Ok(Refreshed::Busy);
    };
    let outcome = refresh_locked(state, tenant_id, account_id, &lock).await;
    // Written with the new tokens when it went well; let go otherwise.
    sign_ins::unlock(&state.db.pool, "social_account", tenant_id, account_id, &lock).await?;
    outcome
}

/// The refresh itself, under the lock: read the latest refresh token (the
/// previous holder may have just replaced it), spend it, keep the new pair.
async fn refresh_locked(
    state: &AppState,
    tenant_id: &TenantId,
    account_id: &str,
    lock: &str,
) -> ServerResult<Refreshed> {
    let Some(current) = row(state, tenant_id, account_id).await?.filter(due) else {
        return Ok(Refreshed::NotDue);
    };
    let Some(app) = state.config.social.tiktok.as_ref() else {
        return Ok(Refreshed::Later(
            "TikTok's app credentials are not set on this server.".into(),
        ));
    };
    let sealed = current.refresh_token_sealed.unwrap_or_default();
    let token = state
        .sealer
        .open(&sealed, &binding(tenant_id, account_id, REFRESH_TOKEN))
        .map_err(ServerError::internal)?;
    let grant = match state.tiktok.refresh(app, &token).await {
        Ok(grant) => grant,
        Err(e) if e.is_revoked() => {
            tracing::warn!(account_id, error = %e, code = %e.code, "TikTok refused a refresh token");
            let reason = "TikTok no longer accepts this sign-in (the permission was withdrawn or it expired). \
                          Reconnect TikTok.";
            // Only while the lock is still ours: a sign-in meanwhile (which
            // clears it) brought tokens this refusal says nothing about.
            sqlx::query(
                "update social_account set status = 'reconnect', status_reason = $4, updated_at = $5 \
                 where id = $1 and tenant_id = $2 and token_lock = $3 and status = 'connected'",
            )
            .bind(account_id)
            .bind(tenant_id)
            .bind(lock)
            .bind(reason)
            .bind(now())
            .execute(&state.db.pool)
            .await?;
            return Ok(Refreshed::Revoked(reason.into()));
        }
        Err(e) => {
            tracing::warn!(account_id, error = %e, code = %e.code, "TikTok refresh failed; will try again");
            return Ok(Refreshed::Later(
                "TikTok could not be reached to renew the sign-in.".into(),
            ));
        }
    };
    let at = now();
    let expires_at = at + grant.expires_in;
    let seal = |value: &str, which: &str| state.sealer.seal(value, &binding(tenant_id, account_id, which));
    let written = sqlx::query(
        "update social_account set access_token_sealed = $4, token_expires_at = $5, refresh_token_sealed = $6, \
         refresh_expires_at = $7, token_lock = null, token_locked_until = null, updated_at = $8 \
         where id = $1 and tenant_id = $2 and token_lock = $3 and status = 'connected'",
    )
    .bind(account_id)
    .bind(tenant_id)
    .bind(lock)
    .bind(seal(&grant.access_token, super::ACCESS_TOKEN))
    .bind(expires_at)
    .bind(seal(&grant.refresh_token, REFRESH_TOKEN))
    .bind(at + grant.refresh_expires_in)
    .bind(at)
    .execute(&state.db.pool)
    .await?;
    if written.rows_affected() == 0 {
        // Disconnected (which revokes the sign-in) or signed in again
        // meanwhile (either clears the lock): the new pair belongs to no
        // one and is dropped. Revoking it could withdraw the new sign-in.
        tracing::info!(
            account_id,
            "a renewal finished after the account changed; its tokens are dropped"
        );
        return Ok(Refreshed::NotDue);
    }
    schedule(state, tenant_id, account_id, expires_at).await?;
    Ok(Refreshed::Done { expires_at })
}

/// The job that refreshes one account's tokens ahead of their expiry.
pub struct RefreshJob;

#[async_trait::async_trait]
impl JobKind for RefreshJob {
    fn name(&self) -> &'static str {
        KIND
    }

    /// Renewal gave up: without a working token the account cannot post,
    /// so it says so instead of looking connected.
    async fn on_dead(&self, state: &AppState, job: &ClaimedJob, reason: &str) {
        let reason = format!("Autopilot could not renew the TikTok sign-in ({reason}) Reconnect TikTok.");
        if let Err(e) = super::needs_reconnect(state, &job.tenant_id, &job.subject_id, &reason).await {
            tracing::warn!(error = %e, account_id = %job.subject_id, "could not mark an account for reconnecting");
        }
        crate::server::queue::job_dead(state, KIND, job, &reason).await;
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        _lease: &Lease,
    ) -> Result<Done, Failure> {
        match refresh(state, ctx.tenant_id(), &job.subject_id).await? {
            Refreshed::Done { .. } | Refreshed::NotDue => Ok(Done::Complete(Step::Done)),
            Refreshed::Busy => Err(Failure::Retry("Another renewal of this sign-in was running.".into())),
            Refreshed::Revoked(reason) => Err(Failure::Stop(reason)),
            Refreshed::Later(reason) => Err(Failure::Retry(reason)),
        }
    }
}
