//! Claiming due jobs and completing finished ones, many rows per statement.

use super::{now_ms, ClaimLimits, ClaimedJob};
use crate::app::types::Step;
use crate::server::db::{now, Backend, Db};
use crate::server::error::ServerResult;
use std::collections::HashMap;

/// Claims up to `limits.batch` due jobs for `worker_id`, at most
/// `workspace_cap` running per workspace across all workers. Expired leases
/// (a crashed worker's jobs) go back to the queue first.
///
/// PostgreSQL: claims are serialised by a transaction-level advisory lock so
/// the per-workspace counts are exact, and the candidate rows are taken with
/// `FOR UPDATE SKIP LOCKED` so rows another transaction is changing (an
/// approval, a retry) are passed over rather than waited on. SQLite: the
/// transaction starts with BEGIN IMMEDIATE, which serialises writers anyway.
pub async fn claim(db: &Db, worker_id: &str, limits: ClaimLimits) -> ServerResult<Vec<ClaimedJob>> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let skip_locked = match db.backend {
        Backend::Postgres => {
            sqlx::query("select pg_advisory_xact_lock(7340001)")
                .execute(&mut *tx)
                .await?;
            " for update skip locked"
        }
        Backend::Sqlite => "",
    };
    sqlx::query(
        "update job set state = 'queued', worker_id = null, locked_until_ms = null, updated_at = $2 \
         where state = 'running' and locked_until_ms < $1",
    )
    .bind(now)
    .bind(now / 1000)
    .execute(&mut *tx)
    .await?;
    let running: Vec<(String, i64)> =
        sqlx::query_as("select tenant_id, count(*) from job where state = 'running' group by tenant_id")
            .fetch_all(&mut *tx)
            .await?;
    let mut room: HashMap<String, i64> = running
        .into_iter()
        .map(|(tenant, n)| (tenant, limits.workspace_cap - n))
        .collect();
    let candidates: Vec<(String, String)> = sqlx::query_as(&format!(
        "select id, tenant_id from job where state = 'queued' and run_at_ms <= $1 and tenant_id not in \
         (select tenant_id from job where state = 'running' group by tenant_id having count(*) >= $2) \
         order by run_at_ms, id limit $3{skip_locked}"
    ))
    .bind(now)
    .bind(limits.workspace_cap)
    .bind((limits.batch * 4) as i64)
    .fetch_all(&mut *tx)
    .await?;
    let mut chosen = Vec::with_capacity(limits.batch);
    for (id, tenant) in candidates {
        let left = room.entry(tenant).or_insert(limits.workspace_cap);
        if *left > 0 && chosen.len() < limits.batch {
            *left -= 1;
            chosen.push(id);
        }
    }
    if chosen.is_empty() {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let sql = format!(
        "update job set state = 'running', worker_id = $1, locked_until_ms = $2, attempt = attempt + 1, \
         updated_at = $3 where state = 'queued' and id in ({}) \
         returning id, tenant_id, site_id, kind, slot, step, attempt, max_attempts",
        placeholders(4, chosen.len())
    );
    let mut query = sqlx::query_as::<_, ClaimedJob>(&sql)
        .bind(worker_id)
        .bind(now + limits.lease.as_millis() as i64)
        .bind(now / 1000);
    for id in &chosen {
        query = query.bind(id);
    }
    let claimed = query.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(claimed)
}

/// `$first, $first+1, …` for `count` values.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Marks many of one worker's jobs done in one statement; jobs whose lease
/// moved on are left alone. Returns how many were completed.
pub async fn complete_many(db: &Db, worker_id: &str, ids: &[String], step: Step) -> ServerResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let at = now();
    let sql = format!(
        "update job set state = 'done', step = $2, worker_id = null, locked_until_ms = null, updated_at = $3, \
         finished_at = $3 where worker_id = $1 and state = 'running' and id in ({})",
        placeholders(4, ids.len())
    );
    let mut query = sqlx::query(&sql).bind(worker_id).bind(step.as_str()).bind(at);
    for id in ids {
        query = query.bind(id);
    }
    Ok(query.execute(&db.pool).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_from_the_first() {
        assert_eq!(placeholders(4, 3), "$4, $5, $6");
    }
}
