//! Login throttling per client address and per account, kept in the
//! database so it holds across processes. Unknown emails are throttled
//! exactly like known ones, so the answer reveals nothing.

use crate::server::db::{new_id, now, Db};
use crate::server::error::{ServerError, ServerResult};

pub const WINDOW_SECONDS: i64 = 15 * 60;
pub const MAX_PER_ACCOUNT: i64 = 5;
pub const MAX_PER_IP: i64 = 20;

pub fn account_key(email: &str) -> String {
    format!("email:{email}")
}

pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Fails with `Throttled` when either key has too many recent failures.
pub async fn check(db: &Db, ip: &str, email: &str) -> ServerResult<()> {
    let since = now() - WINDOW_SECONDS;
    for (key, max) in [(ip_key(ip), MAX_PER_IP), (account_key(email), MAX_PER_ACCOUNT)] {
        let (count,): (i64,) =
            sqlx::query_as("select count(*) from login_attempt where attempt_key = $1 and attempted_at > $2")
                .bind(&key)
                .bind(since)
                .fetch_one(&db.pool)
                .await?;
        if count >= max {
            tracing::warn!(key_kind = key.split(':').next().unwrap_or_default(), "login throttled");
            return Err(ServerError::Throttled(
                "Too many sign-in attempts. Please wait 15 minutes and try again.".into(),
            ));
        }
    }
    Ok(())
}

pub async fn record_failure(db: &Db, ip: &str, email: &str) -> ServerResult<()> {
    let at = now();
    for key in [ip_key(ip), account_key(email)] {
        sqlx::query("insert into login_attempt (id, attempt_key, attempted_at) values ($1, $2, $3)")
            .bind(new_id())
            .bind(key)
            .bind(at)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// A successful sign-in clears the account's counter (not the address's).
pub async fn clear_account(db: &Db, email: &str) -> ServerResult<()> {
    sqlx::query("delete from login_attempt where attempt_key = $1")
        .bind(account_key(email))
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn sweep(db: &Db) -> ServerResult<u64> {
    let done = sqlx::query("delete from login_attempt where attempted_at < $1")
        .bind(now() - WINDOW_SECONDS)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}
