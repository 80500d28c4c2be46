//! Plan limits in force: posts per calendar month (UTC) and sites. A post
//! counts when it is generated, since that is when the work is spent;
//! rejecting it later does not give the post back.

use crate::app::types::{Plan, PlanLimits, SiteId, TenantId, Usage};
use crate::server::auth::TenantContext;
use crate::server::config::Config;
use crate::server::db::{now, Backend};
use crate::server::error::ServerResult;
use crate::server::state::AppState;
use chrono::{Datelike, TimeZone, Utc};
use sqlx::AnyConnection;

/// The first second of the current calendar month, UTC.
pub fn month_start(now: i64) -> i64 {
    let today = Utc.timestamp_opt(now, 0).single().unwrap_or_default();
    Utc.with_ymd_and_hms(today.year(), today.month(), 1, 0, 0, 0)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or_default()
}

/// Posts generated this month, inside the caller's transaction.
pub async fn posts_used(ctx: &TenantContext, conn: &mut AnyConnection, now: i64) -> ServerResult<i64> {
    let (n,): (i64,) = sqlx::query_as("select count(*) from post where tenant_id = $1 and created_at >= $2")
        .bind(ctx.tenant_id())
        .bind(month_start(now))
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Posts generated this month plus jobs that will generate one: what an
/// enqueue must fit beside.
pub async fn posts_committed(ctx: &TenantContext, conn: &mut AnyConnection, now: i64) -> ServerResult<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "select (select count(*) from post where tenant_id = $1 and created_at >= $2) + \
         (select count(*) from job where tenant_id = $1 and kind = 'post' and state in ('queued', 'running') \
          and step in ('queued', 'generating'))",
    )
    .bind(ctx.tenant_id())
    .bind(month_start(now))
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// Serialises quota decisions of one workspace until the transaction ends.
/// PostgreSQL: a transaction advisory lock keyed by the workspace; SQLite:
/// nothing to do, the write transaction (BEGIN IMMEDIATE) already excludes
/// every other writer.
pub async fn lock(ctx: &TenantContext, conn: &mut AnyConnection, backend: Backend) -> ServerResult<()> {
    lock_tenant(ctx.tenant_id(), conn, backend).await
}

/// `lock` for a workspace named before anyone acts in it.
pub async fn lock_tenant(tenant_id: &TenantId, conn: &mut AnyConnection, backend: Backend) -> ServerResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("select pg_advisory_xact_lock(7340002, hashtext($1))")
            .bind(tenant_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The limits a workspace works within now: its plan's, or Free's once an
/// unpaid invoice has outlasted the grace period (DUNNING_GRACE_DAYS); each
/// replaced by a platform admin's override where one is set, since an
/// override is an operator's explicit word about this one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InForce {
    /// The plan paid for.
    pub paid: Plan,
    /// The plan whose limits apply.
    pub plan: Plan,
    pub limits: PlanLimits,
    /// When the unpaid invoice first failed; None while paid up.
    pub payment_failed_at: Option<i64>,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct LimitRow {
    pub plan: String,
    pub posts_limit_override: Option<i64>,
    pub sites_limit_override: Option<i64>,
    pub members_limit_override: Option<i64>,
    pub social_accounts_limit_override: Option<i64>,
    pub stores_limit_override: Option<i64>,
    pub payment_failed_at: Option<i64>,
}

impl LimitRow {
    pub fn in_force(&self, config: &Config, now: i64) -> InForce {
        let paid = Plan::parse(&self.plan).unwrap_or(Plan::Free);
        let grace_over = self
            .payment_failed_at
            .is_some_and(|failed| now >= failed + config.billing.dunning_grace_days * 86_400);
        let plan = if grace_over { Plan::Free } else { paid };
        let base = config.plan_limits(plan);
        InForce {
            paid,
            plan,
            limits: PlanLimits {
                posts_per_month: self.posts_limit_override.unwrap_or(base.posts_per_month),
                sites: self.sites_limit_override.unwrap_or(base.sites),
                members: self.members_limit_override.unwrap_or(base.members),
                social_accounts: self.social_accounts_limit_override.unwrap_or(base.social_accounts),
                stores: self.stores_limit_override.unwrap_or(base.stores),
            },
            payment_failed_at: self.payment_failed_at,
        }
    }
}

/// The limits in force for the workspace now.
pub async fn in_force(ctx: &TenantContext, state: &AppState) -> ServerResult<InForce> {
    in_force_in(ctx, &state.config, &mut *state.db.pool.acquire().await?).await
}

/// `in_force` inside the caller's transaction, so a decision and what it
/// rests on are read together.
pub async fn in_force_in(ctx: &TenantContext, config: &Config, conn: &mut AnyConnection) -> ServerResult<InForce> {
    in_force_of(ctx.tenant_id(), config, conn).await
}

/// `in_force_in` for a workspace named before anyone acts in it (a person
/// accepting an invitation is not a member yet).
pub async fn in_force_of(tenant_id: &TenantId, config: &Config, conn: &mut AnyConnection) -> ServerResult<InForce> {
    let row: LimitRow = sqlx::query_as(
        "select t.plan, t.posts_limit_override, t.sites_limit_override, t.members_limit_override, \
         t.social_accounts_limit_override, t.stores_limit_override, b.payment_failed_at from tenant t left join billing b on b.tenant_id = t.id where t.id = $1",
    )
    .bind(tenant_id)
    .fetch_one(conn)
    .await?;
    Ok(row.in_force(config, now()))
}

/// Whether automation may run for this site: a workspace over its site limit
/// (after a downgrade) keeps its oldest sites running and pauses the rest.
pub async fn site_within_limit(
    ctx: &TenantContext,
    conn: &mut AnyConnection,
    site_id: &SiteId,
    sites_limit: i64,
) -> ServerResult<bool> {
    let (older,): (i64,) = sqlx::query_as(
        "select count(*) from site o join site s on s.id = $2 and s.tenant_id = $1 \
         where o.tenant_id = $1 and (o.created_at < s.created_at or (o.created_at = s.created_at and o.id < s.id))",
    )
    .bind(ctx.tenant_id())
    .bind(site_id)
    .fetch_one(conn)
    .await?;
    Ok(older < sites_limit)
}

pub async fn usage(ctx: &TenantContext, state: &AppState, limits: &PlanLimits) -> ServerResult<Usage> {
    let conn = &mut *state.db.pool.acquire().await?;
    let (sites,): (i64,) = sqlx::query_as("select count(*) from site where tenant_id = $1")
        .bind(ctx.tenant_id())
        .fetch_one(&mut *conn)
        .await?;
    Ok(Usage {
        posts_this_month: posts_used(ctx, conn, now()).await?,
        posts_limit: limits.posts_per_month,
        sites,
        sites_limit: limits.sites,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_start_is_the_first_second_of_the_utc_month() {
        // 2026-03-31T23:59:59Z → 2026-03-01T00:00:00Z
        assert_eq!(month_start(1_775_001_599), 1_772_323_200);
        assert_eq!(month_start(1_772_323_200), 1_772_323_200);
    }

    fn config(vars: &[(&str, &str)]) -> Config {
        Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).unwrap()
    }

    #[test]
    fn an_unpaid_invoice_drops_to_free_limits_after_the_grace_period() {
        let config = config(&[("DUNNING_GRACE_DAYS", "3")]);
        let failed = 1_000_000;
        let row = LimitRow {
            plan: "pro".into(),
            payment_failed_at: Some(failed),
            ..LimitRow::default()
        };
        let during = row.in_force(&config, failed + 3 * 86_400 - 1);
        assert_eq!(
            (during.paid, during.plan, during.limits.posts_per_month),
            (Plan::Pro, Plan::Pro, 200)
        );
        let after = row.in_force(&config, failed + 3 * 86_400);
        assert_eq!((after.paid, after.plan, after.limits.sites), (Plan::Pro, Plan::Free, 1));
        let paid_up = LimitRow {
            payment_failed_at: None,
            ..row
        };
        assert_eq!(paid_up.in_force(&config, failed + 90 * 86_400).plan, Plan::Pro);
    }

    #[test]
    fn an_override_replaces_only_its_own_limit() {
        let config = config(&[("FREE_POSTS_LIMIT", "12")]);
        let row = LimitRow {
            plan: "free".into(),
            sites_limit_override: Some(4),
            ..LimitRow::default()
        };
        let limits = row.in_force(&config, 0).limits;
        assert_eq!((limits.posts_per_month, limits.sites, limits.members), (12, 4, 1));
    }
}
