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

/// The demo channel's id on its "platform": one per workspace.
const DEMO_EXTERNAL_ID: &str = "demo";

#[derive(sqlx::FromRow)]
struct AccountRow {
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
    fn into_summary(self) -> Option<SocialAccountSummary> {
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

fn binding<'a>(tenant_id: &'a TenantId, account_id: &'a str, which: &'a str) -> Binding<'a> {
    Binding {
        purpose: which,
        tenant_id: tenant_id.as_str(),
        row_id: account_id,
    }
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

/// Keeps a connected account: a new row, or the same account's row again
/// (its history stays with it), with fresh tokens where the sign-in gave
/// some, which also repairs an account the platform had refused. Only an
/// account that does not count yet is checked against the plan's limit.
pub async fn connect(ctx: &TenantContext, state: &AppState, found: Found) -> ServerResult<String> {
    ctx.require(Permission::ManageSites)?;
    let mut tx = state.db.begin_write().await?;
    // Two connects at once cannot both pass the count (PostgreSQL).
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    let existing: Option<(String, String)> = sqlx::query_as(
        "select id, status from social_account where tenant_id = $1 and platform = $2 and external_id = $3",
    )
    .bind(ctx.tenant_id())
    .bind(found.platform.as_str())
    .bind(&found.external_id)
    .fetch_optional(&mut *tx)
    .await?;
    let status = existing
        .as_ref()
        .and_then(|(_, s)| ChannelStatus::parse(s))
        .unwrap_or(ChannelStatus::Disconnected);
    if let Some((id, _)) = &existing {
        if status == ChannelStatus::Connected && found.tokens.is_none() {
            return Ok(id.clone());
        }
    }
    if status == ChannelStatus::Disconnected {
        let used = connected(&mut *tx, ctx.tenant_id()).await?;
        let limit = quota::in_force_in(ctx, &state.config, &mut tx)
            .await?
            .limits
            .social_accounts;
        if used >= limit {
            return Err(ServerError::Conflict(format!(
                "Your plan allows {limit} social account{}. Disconnect one or upgrade to add more.",
                if limit == 1 { "" } else { "s" }
            )));
        }
    }
    let at = now();
    let id = match &existing {
        Some((id, _)) => id.clone(),
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
            .execute(&mut *tx)
            .await?;
            id
        }
    };
    let seal = |value: &str, which: &str| state.sealer.seal(value, &binding(ctx.tenant_id(), &id, which));
    let tokens = found.tokens.as_ref();
    sqlx::query(
        "update social_account set status = 'connected', status_reason = '', name = $3, username = $4, \
         connected_by = $5, connected_at = $6, disconnected_at = null, updated_at = $6, \
         access_token_sealed = $7, token_expires_at = $8, refresh_token_sealed = $9, refresh_expires_at = $10 \
         where id = $1 and tenant_id = $2",
    )
    .bind(&id)
    .bind(ctx.tenant_id())
    .bind(&found.name)
    .bind(&found.username)
    .bind(ctx.user_id())
    .bind(at)
    .bind(tokens.map(|t| seal(&t.access, "social-access-token")))
    .bind(tokens.and_then(|t| t.access_expires_at))
    .bind(
        tokens
            .and_then(|t| t.refresh.as_deref())
            .map(|r| seal(r, "social-refresh-token")),
    )
    .bind(tokens.and_then(|t| t.refresh_expires_at))
    .execute(&mut *tx)
    .await?;
    let event = Event::new(AuditAction::SocialAccountConnected, "social_account", &id).detail(format!(
        "{}: {}",
        found.platform.label(),
        found.name
    ));
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Disconnects an account: its tokens are cleared and it stops counting
/// against the plan; the row and its posts' history stay.
pub async fn disconnect(ctx: &TenantContext, state: &AppState, account_id: &str) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let mut tx = state.db.begin_write().await?;
    let at = now();
    let done = sqlx::query(
        "update social_account set status = 'disconnected', status_reason = 'Disconnected by a member.', \
         access_token_sealed = null, refresh_token_sealed = null, token_expires_at = null, \
         refresh_expires_at = null, disconnected_at = $3, updated_at = $3 \
         where id = $1 and tenant_id = $2 and status <> 'disconnected'",
    )
    .bind(account_id)
    .bind(ctx.tenant_id())
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        let (known,): (i64,) = sqlx::query_as("select count(*) from social_account where id = $1 and tenant_id = $2")
            .bind(account_id)
            .bind(ctx.tenant_id())
            .fetch_one(&mut *tx)
            .await?;
        // Disconnecting twice is done; another workspace's id is not found.
        return if known == 1 { Ok(()) } else { Err(ServerError::NotFound) };
    }
    let event = Event::new(AuditAction::SocialAccountDisconnected, "social_account", account_id);
    audit::by_member(ctx, &mut *tx, event).await?;
    tx.commit().await?;
    Ok(())
}
