//! What the benchmarks share: a PostgreSQL database of their own.

use autopilot::server::db::new_id;

/// A new database on the server `admin` points at: its URL and name.
pub async fn fresh_postgres(admin: &str) -> Option<(String, String)> {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin).await.ok()?;
    let name = format!("ap_bench_{}", new_id().replace('-', ""));
    conn.execute(format!("create database {name}").as_str()).await.ok()?;
    let (server, _) = admin.rsplit_once('/')?;
    Some((format!("{server}/{name}"), name))
}

pub async fn drop_postgres(admin: &str, name: &str) {
    use sqlx::{Connection, Executor};
    if let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await {
        let _ = conn
            .execute(format!("drop database if exists {name} with (force)").as_str())
            .await;
    }
}

/// The PostgreSQL server the benchmarks use (TEST_POSTGRES_URL, or the local one).
pub fn postgres_admin() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}
