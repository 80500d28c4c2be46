//! Competitors' offers of a store's products, by the page that shows them,
//! and the job that reads their prices (`store-competitors`, one per store,
//! every few hours and on demand). Pages are fetched through the outbound
//! guard (public addresses only, no redirects, a size cap) and read by
//! `page_price`; each price read is kept for the history chart, and a read
//! that fails says why in the merchant's words.

use super::{demo, load, page_price};
use crate::app::types::{CompetitorSummary, NewCompetitor, Permission, Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::clients::outbound::{check_literal_host, is_blocked, read_capped, tenant_client, ReadError};
use crate::server::db::{new_id, now};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{ClaimedJob, Done, Failure, JobKind, Lease};
use crate::server::state::AppState;
use std::time::Duration;

pub const KIND: &str = "store-competitors";
/// Every three hours: each slot reads the pages not read since the last.
const EVERY: &str = "23 */3 * * *";
/// The most a competitor page may weigh; a product page is far less.
pub const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;
/// A price read this recently is not read again by a scheduled pass.
const FRESH_SECONDS: i64 = 3 * 3_600;
/// Pages one job reads before it hands the rest to the next.
const PER_JOB: i64 = 200;
/// Pages read at once by one job.
const AT_ONCE: usize = 4;
const TIMEOUT: Duration = Duration::from_secs(15);

#[derive(sqlx::FromRow)]
struct CompetitorRow {
    id: String,
    product_id: String,
    url: String,
    label: String,
    selector: String,
    price: Option<i64>,
    observed_at: Option<i64>,
    error: String,
}

impl CompetitorRow {
    fn into_summary(self, at: i64) -> CompetitorSummary {
        CompetitorSummary {
            observed: match self.observed_at {
                Some(seen) => format!("read {}", ago(at - seen)),
                None => "not read yet".into(),
            },
            id: self.id,
            product_id: self.product_id,
            url: self.url,
            label: self.label,
            selector: self.selector,
            price: self.price,
            error: self.error,
        }
    }
}

/// "3 minutes ago", "2 hours ago", "4 days ago".
pub fn ago(seconds: i64) -> String {
    let (n, unit) = match seconds.max(0) {
        s if s < 90 => return "just now".into(),
        s if s < 5_400 => (s / 60, "minute"),
        s if s < 172_800 => (s / 3_600, "hour"),
        s => (s / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// A product's competitors.
pub async fn list(ctx: &TenantContext, state: &AppState, product_id: &str) -> ServerResult<Vec<CompetitorSummary>> {
    ctx.require(Permission::ViewWorkspace)?;
    let rows: Vec<CompetitorRow> = sqlx::query_as(
        "select id, product_id, url, label, selector, price, observed_at, error from competitor \
         where tenant_id = $1 and product_id = $2 order by created_at, id",
    )
    .bind(ctx.tenant_id())
    .bind(product_id)
    .fetch_all(&state.db.pool)
    .await?;
    let at = now();
    Ok(rows.into_iter().map(|r| r.into_summary(at)).collect())
}

/// Adds a competitor's offer of a product and queues its first read.
pub async fn add(
    ctx: &TenantContext,
    state: &AppState,
    product_id: &str,
    input: &NewCompetitor,
) -> ServerResult<CompetitorSummary> {
    ctx.require(Permission::ManageSites)?;
    let url = check_url(&input.url, state.config.outbound_allow_private)?;
    let selector = input.selector.trim();
    if !selector.is_empty() && scraper::Selector::parse(selector).is_err() {
        return Err(ServerError::Validation(
            "The CSS selector is not valid; write it like .price or span[itemprop=price].".into(),
        ));
    }
    let store_id: Option<(String,)> =
        sqlx::query_as("select store_id from store_product where id = $1 and tenant_id = $2 and removed = 0")
            .bind(product_id)
            .bind(ctx.tenant_id())
            .fetch_optional(&state.db.pool)
            .await?;
    let store_id = store_id.ok_or(ServerError::NotFound)?.0;
    let id = new_id();
    let at = now();
    let label = match input.label.trim() {
        "" => url.host_str().unwrap_or_default().to_string(),
        label => label.chars().take(80).collect(),
    };
    let inserted = sqlx::query(
        "insert into competitor (id, tenant_id, store_id, product_id, url, label, selector, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(ctx.tenant_id())
    .bind(&store_id)
    .bind(product_id)
    .bind(url.as_str())
    .bind(&label)
    .bind(selector)
    .bind(at)
    .execute(&state.db.pool)
    .await;
    match inserted {
        Err(e) if crate::server::db::is_unique_violation(&e) => {
            return Err(ServerError::Conflict(
                "This page is already a competitor of the product.".into(),
            ))
        }
        other => {
            other?;
        }
    }
    queue_read(state, ctx.tenant_id(), &store_id).await?;
    Ok(CompetitorSummary {
        id,
        product_id: product_id.into(),
        url: url.into(),
        label,
        selector: selector.into(),
        price: None,
        observed: "not read yet".into(),
        error: String::new(),
    })
}

/// Attaches the store's reading schedule, in the connecting transaction.
pub async fn attach(ctx: &TenantContext, conn: &mut sqlx::AnyConnection, store_id: &str) -> ServerResult<()> {
    super::attach_cron(ctx, conn, KIND, EVERY, store_id).await
}

/// Removes a competitor and its price history.
pub async fn remove(ctx: &TenantContext, state: &AppState, id: &str) -> ServerResult<()> {
    ctx.require(Permission::ManageSites)?;
    let done = sqlx::query("delete from competitor where id = $1 and tenant_id = $2")
        .bind(id)
        .bind(ctx.tenant_id())
        .execute(&state.db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    Ok(())
}

/// An http(s) page on the public internet, or a demo competitor.
fn check_url(raw: &str, allow_private: bool) -> ServerResult<url::Url> {
    let refuse = |why: &str| ServerError::Validation(why.into());
    let url = url::Url::parse(raw.trim()).map_err(|_| refuse("Enter the full address of the page, with https://."))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(refuse("Enter the full address of the page, with https://."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("Leave passwords out of the address."));
    }
    check_literal_host(&url, allow_private).map_err(|_| refuse("This address is not on the public internet."))?;
    Ok(url)
}

/// "Read prices now": the store's read job, unless one is waiting or running.
pub async fn read_now(ctx: &TenantContext, state: &AppState, store_id: &str) -> ServerResult<()> {
    ctx.require(Permission::ReviewContent)?;
    load(&state.db.pool, ctx.tenant_id(), store_id).await?;
    sqlx::query("update competitor set checked_at = null where tenant_id = $1 and store_id = $2")
        .bind(ctx.tenant_id())
        .bind(store_id)
        .execute(&state.db.pool)
        .await?;
    queue_read(state, ctx.tenant_id(), store_id).await
}

pub(super) async fn queue_read(state: &AppState, tenant_id: &TenantId, store_id: &str) -> ServerResult<()> {
    super::queue_now(state, tenant_id, KIND, store_id).await
}

/// How many of the store's competitors are waiting for a read.
pub async fn unread(ctx: &TenantContext, state: &AppState, store_id: &str) -> ServerResult<i64> {
    ctx.require(Permission::ViewWorkspace)?;
    let (n,): (i64,) = sqlx::query_as(
        "select count(*) from competitor where tenant_id = $1 and store_id = $2 and (checked_at is null or checked_at < $3)",
    )
    .bind(ctx.tenant_id())
    .bind(store_id)
    .bind(now() - FRESH_SECONDS)
    .fetch_one(&state.db.pool)
    .await?;
    Ok(n)
}

/// What one page read came to.
type Read = Result<i64, String>;

/// Reads one competitor page for a store selling in `currency`.
pub async fn read_page(
    client: &reqwest::Client,
    url: &str,
    selector: &str,
    currency: &str,
    allow_private: bool,
) -> Read {
    // The resolver only sees names: an address written as an IP is checked
    // here, at every read (the setting may have changed since it was added).
    let parsed = url::Url::parse(url).map_err(|_| "the address is not valid".to_string())?;
    if check_literal_host(&parsed, allow_private).is_err() {
        return Err("blocked: the address is not on the public internet".into());
    }
    let response = match client.get(url).header("accept", "text/html").send().await {
        Ok(r) => r,
        Err(e) if is_blocked(&e) => return Err("blocked: the address is not on the public internet".into()),
        Err(e) if e.is_timeout() => return Err("the page did not answer in time".into()),
        Err(_) => return Err("the page could not be reached".into()),
    };
    let status = response.status();
    if status.is_redirection() {
        return Err("the page redirects elsewhere; give its final address".into());
    }
    if matches!(status.as_u16(), 401 | 403 | 429) {
        return Err(format!("blocked (the shop answered {})", status.as_u16()));
    }
    if !status.is_success() {
        return Err(format!("the page answered {}", status.as_u16()));
    }
    let body = match read_capped(response, MAX_PAGE_BYTES).await {
        Ok(body) => body,
        Err(ReadError::TooLarge) => return Err("the page is larger than 2 MB".into()),
        Err(ReadError::Transport(_)) => return Err("the page could not be read to the end".into()),
    };
    let html = String::from_utf8_lossy(&body);
    let selector = Some(selector).filter(|s| !s.is_empty());
    page_price::read(&html, selector, currency)
        .map(|found| found.price)
        .map_err(|e| e.to_string())
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: String,
    product_id: String,
    url: String,
    selector: String,
    sku: String,
    price: i64,
}

/// Reads the store's due competitor pages, a batch per job; more due pages
/// queue the next job.
pub async fn read_due(state: &AppState, tenant_id: &TenantId, store_id: &str) -> ServerResult<usize> {
    let store = load(&state.db.pool, tenant_id, store_id).await?;
    let due: Vec<DueRow> = sqlx::query_as(
        "select c.id, c.product_id, c.url, c.selector, p.sku, p.price from competitor c \
         join store_product p on p.id = c.product_id and p.tenant_id = c.tenant_id \
         where c.tenant_id = $1 and c.store_id = $2 and p.removed = 0 and (c.checked_at is null or c.checked_at < $3) \
         order by c.checked_at is not null, c.checked_at, c.id limit $4",
    )
    .bind(tenant_id)
    .bind(store_id)
    .bind(now() - FRESH_SECONDS)
    .bind(PER_JOB)
    .fetch_all(&state.db.pool)
    .await?;
    let client = tenant_client(state.config.outbound_allow_private, TIMEOUT);
    let mut reads = tokio::task::JoinSet::new();
    let mut results = Vec::with_capacity(due.len());
    for row in &due {
        if reads.len() >= AT_ONCE {
            if let Some(done) = reads.join_next().await {
                results.push(done.map_err(ServerError::internal)?);
            }
        }
        let (client, currency) = (client.clone(), store.currency.clone());
        let (id, product_id, url, selector) = (
            row.id.clone(),
            row.product_id.clone(),
            row.url.clone(),
            row.selector.clone(),
        );
        let base = demo::base_price(&row.sku).unwrap_or(row.price);
        let (invented, allow_private) = (
            store.is_demo() && demo::is_demo_url(&url),
            state.config.outbound_allow_private,
        );
        reads.spawn(async move {
            let read = if invented {
                Ok(demo::invented_price(&url, base, now()))
            } else {
                read_page(&client, &url, &selector, &currency, allow_private).await
            };
            (id, product_id, read)
        });
    }
    while let Some(done) = reads.join_next().await {
        results.push(done.map_err(ServerError::internal)?);
    }
    for (id, product_id, read) in &results {
        record(state, tenant_id, id, product_id, read).await?;
    }
    if due.len() as i64 == PER_JOB {
        queue_read(state, tenant_id, store_id).await?;
    }
    Ok(results.len())
}

/// Keeps one read: a price goes into the history, an error is named.
async fn record(state: &AppState, tenant_id: &TenantId, id: &str, product_id: &str, read: &Read) -> ServerResult<()> {
    let at = now();
    let mut tx = state.db.begin_write().await?;
    match read {
        Ok(price) => {
            sqlx::query(
                "update competitor set price = $3, observed_at = $4, checked_at = $4, error = '' \
                 where id = $1 and tenant_id = $2",
            )
            .bind(id)
            .bind(tenant_id)
            .bind(price)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "insert into competitor_price (id, tenant_id, competitor_id, product_id, price, observed_at) \
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id())
            .bind(tenant_id)
            .bind(id)
            .bind(product_id)
            .bind(price)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        Err(why) => {
            // The last good price stays, with its age: a run will not act on
            // it once it is stale.
            sqlx::query("update competitor set checked_at = $3, error = $4 where id = $1 and tenant_id = $2")
                .bind(id)
                .bind(tenant_id)
                .bind(at)
                .bind(why)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The job that reads a store's due competitor pages.
pub struct ReadJob;

#[async_trait::async_trait]
impl JobKind for ReadJob {
    fn name(&self) -> &'static str {
        KIND
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        _lease: &Lease,
    ) -> Result<Done, Failure> {
        let store = match load(&state.db.pool, ctx.tenant_id(), &job.subject_id).await {
            Ok(store) => store,
            Err(ServerError::NotFound) => return Err(Failure::Stop("The store was removed.".into())),
            Err(e) => return Err(e.into()),
        };
        if store.status != "connected" {
            return Ok(Done::Complete(Step::Done));
        }
        read_due(state, ctx.tenant_id(), &job.subject_id).await?;
        Ok(Done::Complete(Step::Done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_web_pages_are_competitors() {
        assert!(check_url("https://shop.example.com/p/1", false).is_ok());
        for bad in [
            "shop.example.com",
            "ftp://shop.example.com/x",
            "http://127.0.0.1/p",
            "https://u:p@shop.example.com/",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1/p", true).is_ok());
    }

    #[test]
    fn ages_read_plainly() {
        assert_eq!(ago(30), "just now");
        assert_eq!(ago(120), "2 minutes ago");
        assert_eq!(ago(3_600 * 3), "3 hours ago");
        assert_eq!(ago(86_400 * 4), "4 days ago");
    }
}
