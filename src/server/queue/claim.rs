//! Claiming due jobs, completing finished ones and handing unfinished ones
//! back, many rows per statement: that is what carries the queue past a few
//! thousand jobs a second on one SQLite file.

use super::{Claim, ClaimedJob};
use crate::app::types::Step;
use crate::server::db::{now, now_ms, Backend, Db};
use crate::server::error::ServerResult;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct ClaimLimits<'a> {
    pub batch: usize,
    /// Jobs one workspace may have running at once, across all workers.
    pub workspace_cap: i64,
    pub lease: Duration,
    /// The kinds this worker can run; others are left to workers that can.
    pub kinds: &'a [&'a str],
}

/// Claims up to `limits.batch` due jobs of the given kinds for `worker_id`,
/// at most `workspace_cap` running per workspace across all workers. Each
/// claimed job gets a token of its own, random per claim. Expired leases (a
/// crashed or stalled worker's jobs) go back to the queue first.
///
/// PostgreSQL: claims are serialised by a transaction-level advisory lock so
/// the per-workspace counts are exact, and the candidate rows are taken with
/// `FOR UPDATE SKIP LOCKED` so rows another transaction is changing (an
/// approval, a retry) are passed over rather than waited on. SQLite: the
/// transaction starts with BEGIN IMMEDIATE, which serialises writers anyway.
pub async fn claim(db: &Db, worker_id: &str, limits: ClaimLimits<'_>) -> ServerResult<Vec<ClaimedJob>> {
    if limits.kinds.is_empty() || limits.batch == 0 {
        return Ok(Vec::new());
    }
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
        "update job set state = 'queued', worker_id = null, lease_token = null, locked_until_ms = null, \
         updated_at = $2 where state = 'running' and locked_until_ms < $1",
    )
    .bind(now)
    .bind(now / 1000)
    .execute(&mut *tx)
    .await?;
    let chosen = choose(&mut tx, now, &limits, skip_locked).await?;
    if chosen.is_empty() {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    let sql = format!(
        "update job set state = 'running', worker_id = $1, lease_token = cast($2 as text) || '.' || id, \
         locked_until_ms = $3, attempt = attempt + 1, updated_at = $4 where state = 'queued' and id in ({}) \
         returning id, tenant_id, kind, subject_id, slot, step, run_at_ms, attempt, max_attempts, lease_token, locked_until_ms",
        placeholders(5, chosen.len())
    );
    let mut query = sqlx::query_as::<_, ClaimedJob>(&sql)
        .bind(worker_id)
        .bind(nonce)
        .bind(now + limits.lease.as_millis() as i64)
        .bind(now / 1000);
    for id in &chosen {
        query = query.bind(id);
    }
    let claimed = query.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(claimed)
}

/// The ids to claim: due queued jobs of known kinds, oldest first, leaving
/// out workspaces that already run as many as their cap allows and
/// suspended workspaces (their jobs wait until the suspension is lifted).
async fn choose(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    now: i64,
    limits: &ClaimLimits<'_>,
    skip_locked: &str,
) -> ServerResult<Vec<String>> {
    let running: Vec<(String, i64)> =
        sqlx::query_as("select tenant_id, count(*) from job where state = 'running' group by tenant_id")
            .fetch_all(&mut **tx)
            .await?;
    let mut room: HashMap<String, i64> = running
        .into_iter()
        .map(|(tenant, n)| (tenant, limits.workspace_cap - n))
        .collect();
    let sql = format!(
        "select id, tenant_id from job where state = 'queued' and run_at_ms <= $1 and kind in ({}) \
         and tenant_id not in (select tenant_id from job where state = 'running' group by tenant_id \
         having count(*) >= $2) and tenant_id not in (select id from tenant where suspended_at is not null) \
         order by run_at_ms, id limit $3{skip_locked}",
        placeholders(4, limits.kinds.len())
    );
    let mut query = sqlx::query_as::<_, (String, String)>(&sql)
        .bind(now)
        .bind(limits.workspace_cap)
        .bind((limits.batch * 4) as i64);
    for kind in limits.kinds {
        query = query.bind(*kind);
    }
    let candidates = query.fetch_all(&mut **tx).await?;
    let mut chosen = Vec::with_capacity(limits.batch);
    for (id, tenant) in candidates {
        let left = room.entry(tenant).or_insert(limits.workspace_cap);
        if *left > 0 && chosen.len() < limits.batch {
            *left -= 1;
            chosen.push(id);
        }
    }
    Ok(chosen)
}

/// `$first, $first+1, …` for `count` values.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `id in (…) and lease_token in (…)` for the claims, numbered from
/// `first`. A token is `<random>.<job id>`, so it names one job and the two
/// lists match exactly the claimed pairs; the ids let the database find the
/// rows by their key instead of scanning every running job.
fn claimed_rows<'a>(first: usize, claims: impl ExactSizeIterator<Item = &'a Claim> + Clone) -> (String, Vec<&'a str>) {
    let n = claims.len();
    let sql = format!(
        "id in ({}) and lease_token in ({})",
        placeholders(first, n),
        placeholders(first + n, n)
    );
    let ids = claims.clone().map(|c| c.job_id.as_str());
    let values = ids.chain(claims.map(|c| c.token.as_str())).collect();
    (sql, values)
}

/// Marks many finished jobs done, each with its step, by their claims; a
/// job whose lease passed to another claim is left alone. Returns how many
/// were completed.
pub async fn complete_many(db: &Db, finished: &[(Claim, Step)]) -> ServerResult<u64> {
    let mut by_step: BTreeMap<&str, Vec<&Claim>> = BTreeMap::new();
    for (claim, step) in finished {
        by_step.entry(step.as_str()).or_default().push(claim);
    }
    let at = now();
    let mut completed = 0;
    for (step, claims) in by_step {
        let (rows, values) = claimed_rows(3, claims.iter().copied());
        let sql = format!(
            "update job set state = 'done', step = $1, worker_id = null, lease_token = null, locked_until_ms = null, \
             updated_at = $2, finished_at = $2 where state = 'running' and {rows}"
        );
        let mut query = sqlx::query(&sql).bind(step).bind(at);
        for value in values {
            query = query.bind(value);
        }
        completed += query.execute(&db.pool).await?.rows_affected();
    }
    Ok(completed)
}

/// At shutdown: hands the given claims back to the queue, the interrupted
/// attempt not counted. They wait `settle` first, so a request an aborted
/// attempt already sent has landed (or failed) before the next attempt
/// looks for its result.
pub async fn release(db: &Db, claims: &[Claim], settle: Duration) -> ServerResult<u64> {
    if claims.is_empty() {
        return Ok(0);
    }
    let (rows, values) = claimed_rows(3, claims.iter());
    let sql = format!(
        "update job set state = 'queued', worker_id = null, lease_token = null, locked_until_ms = null, \
         run_at_ms = $1, attempt = case when attempt > 0 then attempt - 1 else 0 end, updated_at = $2 \
         where state = 'running' and {rows}"
    );
    let mut query = sqlx::query(&sql).bind(now_ms() + settle.as_millis() as i64).bind(now());
    for value in values {
        query = query.bind(value);
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

    #[test]
    fn claimed_rows_lists_ids_then_tokens() {
        let claims = [
            Claim {
                job_id: "a".into(),
                token: "x.a".into(),
            },
            Claim {
                job_id: "b".into(),
                token: "y.b".into(),
            },
        ];
        let (sql, values) = claimed_rows(3, claims.iter());
        assert_eq!(sql, "id in ($3, $4) and lease_token in ($5, $6)");
        assert_eq!(values, ["a", "b", "x.a", "y.b"]);
    }
}
