//! One pool, two engines. SQLite (the embedded default) and PostgreSQL are
//! reached through `sqlx::Any` with one set of queries and one migrations
//! folder; the few places where the engines differ branch on `Backend` here.

use crate::app::types::Paged;
use crate::server::error::ServerResult;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// A transaction on either engine, as `Db::begin_write` gives.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Db {
    /// Opens the pool, creating the SQLite file (and its folder) when needed.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        if backend == Backend::Sqlite {
            ensure_sqlite_dir(url);
        }
        let options = AnyConnectOptions::from_str(url)?;
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    // An Any URL cannot carry SQLite pragmas, so they are set per connection.
                    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
                        conn.execute(
                            "pragma journal_mode = wal; pragma synchronous = normal; \
                             pragma busy_timeout = 5000; pragma foreign_keys = on;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db { pool, backend })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.pool).await
    }

    /// Connects and brings the schema up to date: what every entry point
    /// (serve, worker, migrate, admin) does first. Errors read as sentences.
    pub async fn open(url: &str) -> Result<Db, String> {
        let db = Db::connect(url)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        db.migrate()
            .await
            .map_err(|e| format!("cannot migrate the database: {e}"))?;
        Ok(db)
    }

    /// Starts a transaction that will read and then write. SQLite takes the
    /// write lock up front (`BEGIN IMMEDIATE`) so two writers cannot deadlock
    /// upgrading read locks.
    pub async fn begin_write(&self) -> ServerResult<sqlx::Transaction<'static, sqlx::Any>> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("select 1").execute(&self.pool).await.is_ok()
    }
}

fn ensure_sqlite_dir(url: &str) {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(':') {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}

/// Booleans are stored as SMALLINT 0/1: SQLite booleans cannot be decoded
/// through `Any`, so every flag column goes through this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i16 as sqlx::Type<sqlx::Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i16 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(Flag(<i16 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0))
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for Flag {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <i16 as sqlx::Encode<sqlx::Any>>::encode(i16::from(self.0), buf)
    }
}

/// A WHERE clause built from the filters in use, so each list query holds
/// only its live conditions (and can use the index that fits them).
pub struct Where {
    sql: String,
    args: Vec<Arg>,
}

enum Arg {
    Text(String),
    Int(i64),
}

impl Where {
    /// Starts with a condition that is always there, e.g. `at >= ` and its value.
    pub fn new(condition: &str, value: i64) -> Where {
        let mut w = Where {
            sql: String::new(),
            args: Vec::new(),
        };
        w.int(condition, value);
        w
    }

    /// Starts with a text condition, e.g. `tenant_id = ` and the workspace.
    pub fn new_text(condition: &str, value: impl Into<String>) -> Where {
        let mut w = Where {
            sql: String::new(),
            args: Vec::new(),
        };
        w.text(condition, value);
        w
    }

    /// `condition` ends where its value goes, e.g. `"tenant_id = "`.
    pub fn text(&mut self, condition: &str, value: impl Into<String>) -> &mut Where {
        self.args.push(Arg::Text(value.into()));
        self.join(condition)
    }

    pub fn int(&mut self, condition: &str, value: i64) -> &mut Where {
        self.args.push(Arg::Int(value));
        self.join(condition)
    }

    /// A condition whose value sits inside it, written with `?` where the
    /// value goes, e.g. `exists (select 1 from t where t.a = ?)`.
    pub fn text_inside(&mut self, condition: &str, value: impl Into<String>) -> &mut Where {
        self.args.push(Arg::Text(value.into()));
        let n = self.args.len();
        self.raw(&condition.replacen('?', &format!("${n}"), 1))
    }

    /// `(lower(a) like $n or lower(b) like $n)`: one pattern over columns.
    pub fn search(&mut self, columns: &[&str], pattern: String) -> &mut Where {
        self.args.push(Arg::Text(pattern));
        let n = self.args.len();
        let any: Vec<String> = columns.iter().map(|c| format!("lower({c}) like ${n}")).collect();
        self.raw(&format!("({})", any.join(" or ")))
    }

    /// Rows after a cursor in `order by {time} desc, {id} desc`: those
    /// strictly before the (time, id) of the last row already seen.
    pub fn before(&mut self, (time, id): (&str, &str), at: i64, last_id: impl Into<String>) -> &mut Where {
        self.args.push(Arg::Int(at));
        let a = self.args.len();
        self.args.push(Arg::Text(last_id.into()));
        let b = self.args.len();
        self.raw(&format!("({time} < ${a} or ({time} = ${a} and {id} < ${b}))"))
    }

    /// A condition without a value, e.g. `suspended_at is null`.
    pub fn raw(&mut self, condition: &str) -> &mut Where {
        if !self.sql.is_empty() {
            self.sql.push_str(" and ");
        }
        self.sql.push_str(condition);
        self
    }

    fn join(&mut self, condition: &str) -> &mut Where {
        let n = self.args.len();
        self.raw(&format!("{condition}${n}"))
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The number the next placeholder after these conditions takes.
    pub fn next(&self) -> usize {
        self.args.len() + 1
    }

    pub fn bind<'q, O>(
        &self,
        mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        for arg in &self.args {
            query = match arg {
                Arg::Text(text) => query.bind(text.clone()),
                Arg::Int(n) => query.bind(*n),
            };
        }
        query
    }
}

impl Where {
    /// One page of `select {columns} {from} where … order by {order}`: the
    /// rows matching these conditions counted first, the page brought into
    /// range, then that page fetched. Every paged list reads this way.
    pub async fn fetch_page<O>(
        &self,
        pool: &AnyPool,
        (columns, from, order): (&str, &str, &str),
        per_page: i64,
        page: i64,
    ) -> ServerResult<Paged<O>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let count_sql = format!("select count(*) {from} where {}", self.sql);
        let (total,): (i64,) = self.bind(sqlx::query_as(&count_sql)).fetch_one(pool).await?;
        let (page, pages) = paging(total, per_page, page);
        let next = self.next();
        let sql = format!(
            "select {columns} {from} where {} order by {order} limit ${next} offset ${}",
            self.sql,
            next + 1
        );
        let rows: Vec<O> = self
            .bind(sqlx::query_as(&sql))
            .bind(per_page)
            .bind((page - 1) * per_page)
            .fetch_all(pool)
            .await?;
        Ok(Paged {
            rows,
            page,
            pages,
            total,
        })
    }
}

/// A search term for `lower(x) like $n`: lower-cased, wildcards dropped.
pub fn like_pattern(term: &str) -> Option<String> {
    let term = term.trim().replace(['%', '_', '\\'], "").to_lowercase();
    (!term.is_empty()).then(|| format!("%{term}%"))
}

/// Pages of `per_page` for `total` rows (at least one page), and `page`
/// brought into range.
pub fn paging(total: i64, per_page: i64, page: i64) -> (i64, i64) {
    let pages = ((total + per_page - 1) / per_page).max(1);
    (page.clamp(1, pages), pages)
}

/// A unique index refused the row (on either engine).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Now, in unix seconds: every instant in the database is stored this way.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Now in unix milliseconds: the unit of every job timing column (`*_ms`),
/// so polls and back-offs below a second are expressible.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A new id: UUIDv7 text, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_where_clause_holds_only_the_conditions_in_use() {
        let mut w = Where::new("at >= ", 5);
        w.text("tenant_id = ", "t")
            .search(&["email", "name"], "%x%".into())
            .raw("suspended_at is null");
        assert_eq!(
            w.sql(),
            "at >= $1 and tenant_id = $2 and (lower(email) like $3 or lower(name) like $3) and suspended_at is null"
        );
        assert_eq!(w.next(), 4);
        assert_eq!(like_pattern("  Ada%_ "), Some("%ada%".into()));
        assert_eq!(like_pattern(" %_ "), None);
        assert_eq!(paging(0, 25, 3), (1, 1));
        assert_eq!(paging(51, 25, 9), (3, 3));
    }

    #[test]
    fn ids_sort_by_creation() {
        let a = new_id();
        std::thread::sleep(Duration::from_millis(2));
        let b = new_id();
        assert!(a < b);
    }
}
