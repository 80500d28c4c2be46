//! Worker processes say they are alive, so admins can see which run and
//! when each was last heard from.

use crate::server::db::{now, Db};
use crate::server::error::ServerResult;

/// Records that `worker_id` is alive now.
pub async fn beat(db: &Db, worker_id: &str, started_at: i64) -> ServerResult<()> {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    sqlx::query(
        "insert into worker_process (id, host, pid, version, started_at, heartbeat_at) \
         values ($1, $2, $3, $4, $5, $6) on conflict (id) do update set heartbeat_at = excluded.heartbeat_at",
    )
    .bind(worker_id)
    .bind(host)
    .bind(std::process::id() as i64)
    .bind(env!("CARGO_PKG_VERSION"))
    .bind(started_at)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A worker that stopped cleanly leaves the list; rows of workers silent
/// for a week go too.
pub async fn gone(db: &Db, worker_id: &str) -> ServerResult<()> {
    sqlx::query("delete from worker_process where id = $1 or heartbeat_at < $2")
        .bind(worker_id)
        .bind(now() - 7 * 86_400)
        .execute(&db.pool)
        .await?;
    Ok(())
}
