//! The service's health: the database's latency, each worker process's last
//! heartbeat, the queue by state, the oldest due job, and the last day's
//! failures. The health page and `GET /admin/health` show the same figures.

use crate::app::types::{QueueCount, SystemHealth, WorkerBeat};
use crate::server::auth::PlatformAdmin;
use crate::server::db::{now, now_ms, Backend};
use crate::server::error::ServerResult;
use crate::server::state::AppState;
use std::time::Instant;

/// Workers silent for longer than this are left off the list.
const FORGET_WORKERS_AFTER: i64 = 86_400;

pub async fn report(_admin: &PlatformAdmin, state: &AppState) -> ServerResult<SystemHealth> {
    let pool = &state.db.pool;
    let started = Instant::now();
    sqlx::query("select 1").execute(pool).await?;
    let latency = started.elapsed().as_secs_f64() * 1000.0;
    let at = now();
    let workers: Vec<(String, String, i64, String, i64, i64)> = sqlx::query_as(
        "select id, host, pid, version, started_at, heartbeat_at from worker_process where heartbeat_at >= $1 \
         order by heartbeat_at desc, id",
    )
    .bind(at - FORGET_WORKERS_AFTER)
    .fetch_all(pool)
    .await?;
    let (oldest,): (Option<i64>,) = sqlx::query_as(
        "select min(run_at_ms) from job where state = 'queued' and run_at_ms <= $1 \
             and tenant_id not in (select id from tenant where suspended_at is not null)",
    )
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    let (failed, dead): (i64, i64) = sqlx::query_as(
        "select coalesce(cast(sum(case when last_error is not null then 1 else 0 end) as bigint), 0), \
         coalesce(cast(sum(case when state = 'dead' then 1 else 0 end) as bigint), 0) \
         from job where updated_at >= $1",
    )
    .bind(at - 86_400)
    .fetch_one(pool)
    .await?;
    Ok(SystemHealth {
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started_at.elapsed().as_secs() as i64,
        database: match state.db.backend {
            Backend::Postgres => "PostgreSQL".into(),
            Backend::Sqlite => "SQLite".into(),
        },
        database_latency_ms: (latency * 100.0).round() / 100.0,
        workers: workers
            .into_iter()
            .map(|(id, host, pid, version, started_at, beat)| WorkerBeat {
                id,
                host,
                pid,
                version,
                started_at,
                last_heartbeat_at: beat,
                seconds_since_heartbeat: (at - beat).max(0),
            })
            .collect(),
        queue: queue_depth(state).await?,
        oldest_due_seconds: oldest.map(|ms| ((now_ms() - ms) / 1000).max(0)),
        failed_attempts_24h: failed,
        dead_jobs_24h: dead,
    })
}

/// Jobs by state, every state named (zero included).
pub async fn queue_depth(state: &AppState) -> ServerResult<Vec<QueueCount>> {
    let rows: Vec<(String, i64)> = sqlx::query_as("select state, count(*) from job group by state")
        .fetch_all(&state.db.pool)
        .await?;
    Ok(super::jobs::STATES
        .iter()
        .map(|s| QueueCount {
            state: (*s).into(),
            jobs: rows.iter().find(|(r, _)| r == s).map(|(_, n)| *n).unwrap_or(0),
        })
        .collect())
}
