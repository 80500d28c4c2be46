//! Throttling kept in the database so it holds across processes: sign-in
//! per client address and per account, link mails per address. Unknown
//! emails are throttled exactly like known ones, so the answer reveals
//! nothing.
//!
//! An attempt is recorded *before* it is judged and counted with the rest,
//! so parallel requests cannot all slip under the limit while the slow
//! password check runs.

use crate::server::db::{new_id, now, Db};
use crate::server::error::{ServerError, ServerResult};

pub const WINDOW_SECONDS: i64 = 15 * 60;
pub const MAX_PER_ACCOUNT: i64 = 5;
pub const MAX_PER_IP: i64 = 20;
pub const MAX_MAILS: i64 = 3;

fn account_key(email: &str) -> String {
    format!("email:{email}")
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

fn mail_key(email: &str) -> String {
    format!("mail:{email}")
}

/// One sign-in attempt, already counted.
pub struct Attempt {
    ip_row: String,
    email: String,
}

async fn record(db: &Db, key: &str, at: i64) -> ServerResult<String> {
    let id = new_id();
    sqlx::query("insert into login_attempt (id, attempt_key, attempted_at) values ($1, $2, $3)")
        .bind(&id)
        .bind(key)
        .bind(at)
        .execute(&db.pool)
        .await?;
    Ok(id)
}

async fn recent(db: &Db, key: &str, at: i64) -> ServerResult<i64> {
    let (count,): (i64,) =
        sqlx::query_as("select count(*) from login_attempt where attempt_key = $1 and attempted_at > $2")
            .bind(key)
            .bind(at - WINDOW_SECONDS)
            .fetch_one(&db.pool)
            .await?;
    Ok(count)
}

/// Records a sign-in attempt and fails with `Throttled` when the address
/// or the account has had too many in the window.
pub async fn begin_sign_in(db: &Db, ip: &str, email: &str) -> ServerResult<Attempt> {
    let at = now();
    let ip_row = record(db, &ip_key(ip), at).await?;
    record(db, &account_key(email), at).await?;
    let too_many =
        recent(db, &ip_key(ip), at).await? > MAX_PER_IP || recent(db, &account_key(email), at).await? > MAX_PER_ACCOUNT;
    if too_many {
        tracing::warn!("sign-in throttled");
        return Err(ServerError::Throttled(
            "Too many sign-in attempts. Please wait 15 minutes and try again.".into(),
        ));
    }
    Ok(Attempt {
        ip_row,
        email: email.to_owned(),
    })
}

/// A successful sign-in clears the account's counter and takes this attempt
/// off the address's, so an office behind one address is not locked out by
/// its own successful sign-ins.
pub async fn succeeded(db: &Db, attempt: Attempt) -> ServerResult<()> {
    sqlx::query("delete from login_attempt where attempt_key = $1 or id = $2")
        .bind(account_key(&attempt.email))
        .bind(&attempt.ip_row)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Records a request to mail a link to `email`; false once the address has
/// had `MAX_MAILS` in the window (the caller then sends nothing).
pub async fn allow_mail(db: &Db, email: &str) -> ServerResult<bool> {
    let at = now();
    record(db, &mail_key(email), at).await?;
    Ok(recent(db, &mail_key(email), at).await? <= MAX_MAILS)
}

pub async fn sweep(db: &Db) -> ServerResult<u64> {
    let done = sqlx::query("delete from login_attempt where attempted_at < $1")
        .bind(now() - WINDOW_SECONDS)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}
