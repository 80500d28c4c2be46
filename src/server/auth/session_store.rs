//! A tower-sessions store over the app's own `Any` pool, so sessions live in
//! whichever database the app runs on and are shared by every process.
//! Rows are keyed by a SHA-256 of the session id: the table alone (a backup,
//! a leaked dump) signs nobody in. A session also ends `max_age` after it
//! was opened (at sign-in), however busy it stays.

use crate::server::db::{now, Db};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
    /// Seconds a session may live from its creation, activity or not.
    max_age: i64,
}

impl DbSessionStore {
    pub fn new(db: Db, max_age_days: i64) -> Self {
        DbSessionStore {
            db,
            max_age: max_age_days * 86_400,
        }
    }
}

/// Removes expired sessions (idle too long, or past their whole life); the
/// housekeeping job calls this.
pub async fn delete_expired(db: &Db, max_age_days: i64) -> std::result::Result<u64, sqlx::Error> {
    let at = now();
    let done = sqlx::query("delete from session where expiry_date < $1 or created_at < $2")
        .bind(at)
        .bind(at - max_age_days * 86_400)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

fn key(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

fn backend(e: sqlx::Error) -> Error {
    Error::Backend(e.to_string())
}

/// Only the session's data is stored: the record's id would undo the digest.
fn encode(record: &Record) -> Result<String> {
    serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A fresh random id collides with negligible odds; on a collision we
        // draw again rather than overwrite someone else's session.
        loop {
            let done = sqlx::query(
                "insert into session (id, data, expiry_date, created_at) values ($1, $2, $3, $4) \
                 on conflict (id) do nothing",
            )
            .bind(key(&record.id))
            .bind(encode(record)?)
            .bind(record.expiry_date.unix_timestamp())
            .bind(now())
            .execute(&self.db.pool)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Updates only: a session deleted by log-out stays deleted even if a
    /// request that started before it finishes afterwards. (New sessions,
    /// and cycled ids, go through `create`.)
    async fn save(&self, record: &Record) -> Result<()> {
        sqlx::query("update session set data = $2, expiry_date = $3 where id = $1")
            .bind(key(&record.id))
            .bind(encode(record)?)
            .bind(record.expiry_date.unix_timestamp())
            .execute(&self.db.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let at = now();
        let row: Option<(String, i64)> = sqlx::query_as(
            "select data, expiry_date from session where id = $1 and expiry_date > $2 and created_at > $3",
        )
        .bind(key(id))
        .bind(at)
        .bind(at - self.max_age)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(backend)?;
        let Some((data, expiry)) = row else { return Ok(None) };
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?,
            expiry_date: time::OffsetDateTime::from_unix_timestamp(expiry).map_err(|e| Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        sqlx::query("delete from session where id = $1")
            .bind(key(id))
            .execute(&self.db.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_keyed_by_a_digest_not_the_id() {
        let id = Id::default();
        let stored = key(&id);
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(&id.to_string()));
        assert_eq!(stored, key(&id), "the same id finds the same row");
    }
}
