//! Plan limits in force: posts per calendar month (UTC) and sites. A post
//! counts when it is generated, since that is when the work is spent;
//! rejecting it later does not give the post back.

use crate::app::types::{Plan, Usage};
use crate::server::config::Config;
use crate::server::db::{Backend, Db};
use crate::server::error::ServerResult;
use chrono::{Datelike, TimeZone, Utc};

/// The first second of the current calendar month, UTC.
pub fn month_start(now: i64) -> i64 {
    let today = Utc.timestamp_opt(now, 0).single().unwrap_or_default();
    Utc.with_ymd_and_hms(today.year(), today.month(), 1, 0, 0, 0)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or_default()
}

/// Posts generated this month.
pub async fn posts_used<'e, E>(executor: E, tenant_id: &str, now: i64) -> ServerResult<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (n,): (i64,) = sqlx::query_as("select count(*) from post where tenant_id = $1 and created_at >= $2")
        .bind(tenant_id)
        .bind(month_start(now))
        .fetch_one(executor)
        .await?;
    Ok(n)
}

/// Posts generated this month plus jobs that will generate one: what an
/// enqueue must fit beside.
pub async fn posts_committed<'e, E>(executor: E, tenant_id: &str, now: i64) -> ServerResult<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (n,): (i64,) = sqlx::query_as(
        "select (select count(*) from post where tenant_id = $1 and created_at >= $2) + \
         (select count(*) from job where tenant_id = $1 and kind = 'post' and state in ('queued', 'running') \
          and step in ('queued', 'generating'))",
    )
    .bind(tenant_id)
    .bind(month_start(now))
    .fetch_one(executor)
    .await?;
    Ok(n)
}

/// Serialises quota decisions of one workspace until the transaction ends.
/// PostgreSQL: a transaction advisory lock keyed by the workspace; SQLite:
/// nothing to do, the write transaction (BEGIN IMMEDIATE) already excludes
/// every other writer.
pub async fn lock(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    tenant_id: &str,
) -> ServerResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("select pg_advisory_xact_lock(7340002, hashtext($1))")
            .bind(tenant_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The plan of a workspace as the database has it now (the scheduler has no session).
pub async fn plan_of<'e, E>(executor: E, tenant_id: &str) -> ServerResult<Plan>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (plan,): (String,) = sqlx::query_as("select plan from tenant where id = $1")
        .bind(tenant_id)
        .fetch_one(executor)
        .await?;
    Ok(Plan::parse(&plan).unwrap_or(Plan::Free))
}

pub async fn usage(db: &Db, config: &Config, tenant_id: &str, plan: Plan, now: i64) -> ServerResult<Usage> {
    let limits = config.plan_limits(plan);
    let (sites,): (i64,) = sqlx::query_as("select count(*) from site where tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(Usage {
        posts_this_month: posts_used(&db.pool, tenant_id, now).await?,
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
}
