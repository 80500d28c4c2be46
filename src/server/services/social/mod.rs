//! Social channels: the accounts a workspace publishes to (Facebook Pages,
//! Instagram professional accounts, TikTok accounts) and the demo channel,
//! which goes through every step and publishes nowhere. The number of
//! accounts is a plan limit; a disconnected account keeps its row (and so
//! its posts' history) with its tokens cleared, and no longer counts.

use crate::app::types::{
    AuditAction, ChannelList, ChannelStatus, Permission, Platform, SocialAccountSummary, TenantId,
};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now};
use crate::server::domain::format_day;
use crate::server::error::{ServerError, ServerResult};
use crate::server::secrets::Binding;
use crate::server::services::audit::{self, Event};
use crate::server::services::quota;
use crate::server::state::AppState;

pub mod captions;
pub mod media;
pub mod metrics;
pub mod oauth;
pub mod posts;
pub mod publish;
pub mod refresh;
pub mod slots;
pub mod templates;

/// The demo channel's id on its "platform": one per workspace.
const DEMO_EXTERNAL_ID: &str = "demo";

/// An account as the channels page and the composer list it.
#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    id: String,
    platform: String,
    name: String,
    username: String,
    status: String,
    status_reason: String,
    connected_at: i64,
    disconnected_at: Option<i64>,
}

impl AccountRow {
    /// None for a platform this build does not know (a newer version's row).
    pub(super) fn into_summary(self) -> Option<SocialAccountSummary> {
        let status = ChannelStatus::parse(&self.status).unwrap_or(ChannelStatus::Disconnected);
        let since = match (status, self.disconnected_at) {
            (ChannelStatus::Disconnected, Some(at)) => format!("disconnected {}", format_day(at)),
            _ => format!("connected {}", format_day(self.connected_at)),
        };
        Some(SocialAccountSummary {
            platform: Platform::parse(&self.platform)?,
            status,
            since,
            id: self.id,
            name: self.name,
            username: self.username,
            status_reason: self.status_reason,
        })
    }
}

/// Accounts that count against the plan: every one not disconnected.
pub async fn connected<'c>(
    exec: impl sqlx::Executor<'c, Database = sqlx::Any>,
    tenant_id: &TenantId,
) -> ServerResult<i64> {
    let (n,): (i64,) =
        sqlx::query_as("select count(*) from social_account where tenant_id = $1 and status <> 'disconnected'")
            .bind(tenant_id)
            .fetch_one(exec)
            .await?;
    Ok(n)
}

/// The channels page: connected and needing attention first, then the
/// disconnected ones kept for their history.
pub async fn page(ctx: &TenantContext, state: &AppState) -> ServerResult<ChannelList> {
    ctx.require(Permission::ViewWorkspace)?;
    let rows: Vec<AccountRow> = sqlx::query_as(
        "select id, platform, name, username, status, status_reason, connected_at, disconnected_at from social_account \
         where tenant_id = $1 order by case when status = 'disconnected' then 1 else 0 end, connected_at, id",
    )
    .bind(ctx.tenant_id())
    .fetch_all(&state.db.pool)
    .await?;
    let accounts: Vec<SocialAccountSummary> = rows.into_iter().filter_map(AccountRow::into_summary).collect();
    let used = accounts
        .iter()
        .filter(|a| a.status != ChannelStatus::Disconnected)
        .count() as i64;
    Ok(ChannelList {
        accounts,
        used,
        limit: quota::in_force(ctx, state).await?.limits.social_accounts,
        can_manage: ctx.can(Permission::ManageSites),
        meta_ready: state.config.social.meta.is_some(),
        tiktok_ready: state.config.social.tiktok.is_some(),
    })
}

/// An account a platform's sign-in named, ready to be kept.
pub struct Found {
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
    pub username: String,
    /// None for the demo channel, which calls no platform.
    pub tokens: Option<Tokens>,
}

/// What a platform's sign-in gave to act for the account; sealed at rest.
pub struct Tokens {
    pub access: String,
    pub access_expires_at: Option<i64>,
    pub refresh: Option<String>,
    pub refresh_expires_at: Option<i64>,
}

/// The purposes tokens are sealed for: one cannot be opened as the other.
pub(super) const ACCESS_TOKEN: &str = "social-access-token";
pub(super) const REFRESH_TOKEN: &str = "social-refresh-token";

pub(super) fn binding<'a>(tenant_id: &'a TenantId, account_id: &'a str, which: &'a str) -> Binding<'a> {
    Binding {
        purpose: which,
        tenant_id: tenant_id.as_str(),
        row_id: account_id,
    }
}

/// An account's access token sealed for its row, as connecting stores it
/// (public for the benchmarks, which connect accounts in bulk).
pub fn seal_access(state: &AppState, tenant_id: &TenantId, account_id: &str, token: &str) -> String {
    state.sealer.seal(token, &binding(tenant_id, account_id, ACCESS_TOKEN))
}

/// Connects the demo channel (or connects it again after a disconnect).
pub async fn connect_demo(ctx: &TenantContext, state: &AppState) -> ServerResult<String> {
    let demo = Found {
        platform: Platform::Demo,
        external_id: DEMO_EXTERNAL_ID.into(),
        name: "Demo channel".into(),
        username: "publishes nowhere".into(),
        tokens: None,
    };
    connect(ctx, state, demo).await
}

/// Keeps one connected account (see `connect_many`); returns its id.
pub async fn connect(ctx: &TenantContext, state: &AppState, found: Found) -> ServerResult<String> {
    let ids = connect_many(ctx, state, vec![found]).await?;
    ids.into_iter()
        .next()
        .ok_or_else(|| ServerError::internal("connect kept no account"))
}

/// Keeps connected accounts, all or none: a new row each, or the same
/// account's row again (its history stays with it), with fresh tokens
/// where the sign-in gave some, which also repairs an account the platform
/// had refused. Only accounts that do not count yet are checked against
/// the plan's limit. Returns their ids in order.
pub async fn connect_many(ctx: &TenantContext, state: &AppState, found: Vec<Found>) -> ServerResult<Vec<String>> {
    ctx.require(Permission::ManageSites)?;
    let mut tx = state.db.begin_write().await?;
    // Two connects at once cannot both pass the count (PostgreSQL).
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    let mut existing = Vec::with_capacity(found.len());
    for account in &found {
        let row: Option<(String, String)> = sqlx::query_as(
            "select id, status from social_account where tenant_id = $1 and platform = $2 and external_id = $3",
        )
        .bind(ctx.tenant_id())
        .bind(account.platform.as_str())
        .bind(&account.external_id)
        .fetch_optional(&mut *tx)
        .await?;
        existing.push(row.map(|(id, status)| {
            let counts = ChannelStatus::parse(&status).is_some_and(|s| s != ChannelStatus::Disconnected);
            (id, counts)
        }));
    }
    let adding = existing
        .iter()
        .filter(|e| !e.as_ref().is_some_and(|(_, counts)| *counts))
        .count() as i64;
    if adding > 0 {
        let used = connected(&mut *tx, ctx.tenant_id()).await?;
        let limit = quota::in_force_in(ctx, &state.config, &mut tx)
            .await?
            .limits
            .social_accounts;
        if used + adding > limit {
            return Err(ServerError::Conflict(format!(
                "Your plan allows {limit} social account{} and {used} {} in use. Disconnect one or upgrade to add more.",
                if limit == 1 { "" } else { "s" },
                if used == 1 { "is" } else { "are" }
            )));
        }
    }
    let mut ids = Vec::with_capacity(found.len());
    for (account, existing) in found.iter().zip(existing) {
        let id = keep(ctx, state, &mut tx, account, existing).await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// Writes one account as connected: inserted, or its row updated.
async fn keep(
    ctx: &TenantContext,
    state: &AppState,
    tx: &mut crate::server::db::Tx,
    found: &Found,
    existing: Option<(String, bool)>,
) -> ServerResult<String> {
    if let Some((id, true)) = &existing {
        if found.tokens.is_none() {
            return Ok(id.clone());
        }
    }
    let at = now();
    let id = match existing {
        Some((id, _)) => id,
        None => {
            let id = new_id();
            sqlx::query(
                "insert into social_account (id, tenant_id, platform, external_id, name, connected_at, created_at, \
                 updated_at) values ($1, $2, $3, $4, $5, $6, $6, $6)",
            )
            .bind(&id)
            .bind(ctx.tenant_id())
            .bind(found.platform.as_str())
            .bind(&found.external_id)
            .bind(&found.name)
            .bind(at)
            .execute(&mut **tx)
            .await?;
            id
        }
    };
    let tokens = found.tokens.as_ref();
    sqlx::query(
        "update social_account set status = 'connected', status_reason = '', name = $3, username = $4, \
         connected_by = $5, connected_at = $6, disconnected_at = null, updated_at = $6, \
         access_token_sealed = $7, token_expires_at = $8, refresh_token_sealed = $9, refresh_expires_at = $10, \
         token_lock = null, token_locked_until = null where id = $1 and tenant_id = $2",
    )
    .bind(&id)
    .bind(ctx.tenant_id())
    .bind(&found.name)
    .bind(&found.username)
    .bind(ctx.user_id())
    .bind(at)
    .bind(tokens.map(|t| seal_access(state, ctx.tenant_id(), &id, &t.access)))
    .bind(tokens.and_then(|t| t.access_expires_at))
    .bind(
        tokens
            .and_then(|t| t.refresh.as_deref())
            .map(|r| state.sealer.seal(r, &binding(ctx.tenant_id(), &id, REFRESH_TOKEN))),
    )
    .bind(tokens.and_then(|t| t.refresh_expires_at))
    .execute(&mut **tx)
    .await?;
    let event = Event::new(AuditAction::SocialAccountConnected, "social_account", &id).detail(format!(
        "{}: {}",
        found.platform.label(),
        found.name
    ));
    audit::by_member(ctx, &mut **tx, event).await?;
    metrics::attach(ctx, tx, &id).await?;
    // A sign-in that renews itself gets its first renewal queued with it.
    if let Some(Tokens {
        refresh: Some(_),
        access_expires_at: Some(at),
        ..
    }) = tokens
    {
        refresh::schedule_in(&mut **tx, state, ctx.tenant_id(), &id, *at).await?;
    }
    Ok(id)
}

/// Disconnects an account: its tokens are cleared and it stops counting
/// against the plan; the row and its posts' history stay.
pub async fn disconnect(ctx: &TenantContext, state: &AppState, account_id: &str) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let mut tx = state.db.begin_write().await?;
    let held: Option<(String, Option<String>)> = sqlx::query_as(
        "select platform, access_token_sealed from social_account \
         where id = $1 and tenant_id = $2 and status <> 'disconnected'",
    )
    .bind(account_id)
    .bind(ctx.tenant_id())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((platform, sealed)) = held else {
        let (known,): (i64,) = sqlx::query_as("select count(*) from social_account where id = $1 and tenant_id = $2")
            .bind(account_id)
            .bind(ctx.tenant_id())
            .fetch_one(&mut *tx)
            .await?;
        // Disconnecting twice is done; another workspace's id is not found.
        return if known == 1 { Ok(()) } else { Err(ServerError::NotFound) };
    };
    let at = now();
    sqlx::query(
        "update social_account set status = 'disconnected', status_reason = 'Disconnected by a member.', \
         access_token_sealed = null, refresh_token_sealed = null, token_expires_at = null, \
         refresh_expires_at = null, token_lock = null, token_locked_until = null, disconnected_at = $3, \
         updated_at = $3 where id = $1 and tenant_id = $2",
    )
    .bind(account_id)
    .bind(ctx.tenant_id())
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let event = Event::new(AuditAction::SocialAccountDisconnected, "social_account", account_id);
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    if let (true, Some(sealed)) = (platform == Platform::Tiktok.as_str(), sealed) {
        // Awaited (briefly), so it lands before any new sign-in of the
        // account, which a late revoke would withdraw.
        let revoked = revoke_tiktok(state, ctx.tenant_id(), account_id, &sealed);
        if tokio::time::timeout(std::time::Duration::from_secs(5), revoked)
            .await
            .is_err()
        {
            tracing::warn!(account_id, "TikTok did not answer a revoke within 5 s");
        }
    }
    Ok(())
}

/// Tells TikTok the app no longer acts for the account, as its docs ask on
/// disconnect. The account is disconnected here whatever TikTok answers.
async fn revoke_tiktok(state: &AppState, tenant_id: &TenantId, account_id: &str, sealed: &str) {
    let (Some(app), Ok(token)) = (
        state.config.social.tiktok.as_ref(),
        state.sealer.open(sealed, &binding(tenant_id, account_id, ACCESS_TOKEN)),
    ) else {
        return;
    };
    if let Err(e) = state.tiktok.revoke(app, &token).await {
        tracing::warn!(account_id, error = %e, code = %e.code, "TikTok did not take back a disconnected sign-in");
    }
}

/// As `needs_reconnect`, for a refusal of the token a publish used: an
/// account signed in again since (another token) is left as it is.
pub async fn token_refused(
    state: &AppState,
    tenant_id: &TenantId,
    account_id: &str,
    sealed_token: &str,
    reason: &str,
) -> ServerResult<()> {
    sqlx::query(
        "update social_account set status = 'reconnect', status_reason = $3, updated_at = $4 \
         where id = $1 and tenant_id = $2 and status = 'connected' and access_token_sealed = $5",
    )
    .bind(account_id)
    .bind(tenant_id)
    .bind(reason)
    .bind(now())
    .bind(sealed_token)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// The platform refused the account's tokens (withdrawn, expired): it
/// stops publishing and asks, with `reason`, to be connected again.
pub async fn needs_reconnect(
    state: &AppState,
    tenant_id: &TenantId,
    account_id: &str,
    reason: &str,
) -> ServerResult<()> {
    sqlx::query(
        "update social_account set status = 'reconnect', status_reason = $3, updated_at = $4 \
         where id = $1 and tenant_id = $2 and status = 'connected'",
    )
    .bind(account_id)
    .bind(tenant_id)
    .bind(reason)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(())
}
