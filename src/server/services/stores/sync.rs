//! A Salla store's catalogue, kept in step with Salla: a full sync pages
//! through `/admin/v2/products` (60 a page, variants priced on their own)
//! on a schedule and on demand, and Salla's product webhooks
//! (`product.created`, `product.updated`, `product.deleted`) keep it current
//! between syncs. A product missing from a full sync is marked removed, its
//! history kept. Salla's rate limit is respected: a 429 waits the
//! `Retry-After` Salla asks for (up to a minute) and goes on from the
//! same page; a longer wait, or a page refused five times, is a failed
//! attempt of the job, which the runner tries again after its back-off
//! from the first page (what was read is kept; marking removals waits for
//! a whole pass). A sync that used up its attempts says so.

use super::catalogue::{self, Item};
use super::salla::{self, PLATFORM};
use super::{load, queue_now};
use crate::app::types::{Permission, Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::clients::salla::Product;
use crate::server::db::now;
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{ClaimedJob, Done, Failure, JobKind, Lease};
use crate::server::state::AppState;
use serde_json::Value;
use std::time::Duration;

pub const KIND: &str = "store-sync";
/// Four full syncs a day; webhooks carry the changes in between.
const EVERY: &str = "41 */6 * * *";
/// The longest Salla may ask a sync to wait before the job steps aside
/// (its limit is counted per minute).
const LONGEST_INLINE_WAIT: u64 = 60;
/// 429s in a row on one page before the job steps aside.
const TRIES_PER_PAGE: u32 = 5;
/// A catalogue of more pages than this (120,000 products) stops the sync.
const MOST_PAGES: i64 = 2_000;

/// Attaches the store's sync schedule, in the connecting transaction.
pub async fn attach(ctx: &TenantContext, conn: &mut sqlx::AnyConnection, store_id: &str) -> ServerResult<()> {
    super::attach_cron(ctx, conn, KIND, EVERY, store_id).await
}

/// "Sync now" on the Stores page.
pub async fn sync_now(ctx: &TenantContext, state: &AppState, store_id: &str) -> ServerResult<()> {
    ctx.require(Permission::ReviewContent)?;
    let store = load(&state.db.pool, ctx.tenant_id(), store_id).await?;
    if store.platform != PLATFORM {
        return Err(ServerError::Conflict(
            "The demo store's catalogue lives here; there is nothing to sync.".into(),
        ));
    }
    if store.status != "connected" {
        return Err(ServerError::Conflict(format!(
            "Nothing was synced: {}.",
            salla::status_words(&store.status)
        )));
    }
    queue_now(state, ctx.tenant_id(), KIND, store_id).await
}

/// A Salla product or variant as the catalogue keeps it.
fn item(p: Product) -> Item {
    Item {
        external_id: p.id,
        variant_id: p.variant_id,
        sku: p.sku,
        name: p.name,
        price: p.price,
        sale_price: p.sale_price,
        cost: p.cost,
        stock: p.stock,
        status: p.status,
        image_url: p.image_url,
        url: p.url,
    }
}

/// Where a sync stands, for the Stores page.
async fn set_sync(
    state: &AppState,
    tenant_id: &TenantId,
    store_id: &str,
    (sync_state, progress, error): (&str, &str, &str),
) -> ServerResult<()> {
    sqlx::query(
        "update store set sync_state = $3, sync_progress = $4, sync_error = $5, \
         synced_at = case when $3 = 'done' then $6 else synced_at end where id = $1 and tenant_id = $2",
    )
    .bind(store_id)
    .bind(tenant_id)
    .bind(sync_state)
    .bind(progress)
    .bind(error)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// One full sync of the store's catalogue.
async fn full_sync(state: &AppState, tenant_id: &TenantId, store_id: &str) -> Result<Done, Failure> {
    let store = match load(&state.db.pool, tenant_id, store_id).await {
        Ok(store) => store,
        Err(ServerError::NotFound) => return Err(Failure::Stop("The store was removed.".into())),
        Err(e) => return Err(e.into()),
    };
    if store.platform != PLATFORM || store.status != "connected" {
        return Ok(Done::Complete(Step::Done));
    }
    let started = now();
    let (mut page, mut tries, mut renewed) = (1_i64, 0_u32, false);
    let failed = |why: String| async move {
        set_sync(state, tenant_id, store_id, ("failed", "", &why)).await?;
        Ok::<String, ServerError>(why)
    };
    // Passing trouble: the page says the sync waits, and the runner tries
    // it again after its back-off.
    let waiting = |why: String| async move {
        set_sync(state, tenant_id, store_id, ("waiting", &why, "")).await?;
        Ok::<Failure, ServerError>(Failure::Retry(why))
    };
    set_sync(state, tenant_id, store_id, ("running", "Reading the first page…", "")).await?;
    loop {
        let access = match salla::access(state, tenant_id, store_id).await? {
            Ok(access) => access,
            Err(unusable) if unusable.passing => return Err(waiting(unusable.why).await?),
            Err(unusable) => return Err(Failure::Stop(failed(unusable.why).await?)),
        };
        match state.salla.products(&access.token, page).await {
            Ok(got) => {
                tries = 0;
                let items: Vec<Item> = got.products.into_iter().map(item).collect();
                let mut tx = state.db.begin_write().await?;
                catalogue::upsert(&mut tx, tenant_id, store_id, &items).await?;
                tx.commit().await.map_err(ServerError::from)?;
                let total = got.total_pages.max(got.current);
                let progress = format!("Read page {} of {total}…", got.current);
                set_sync(state, tenant_id, store_id, ("running", &progress, "")).await?;
                if got.current >= got.total_pages || items.is_empty() {
                    break;
                }
                if page >= MOST_PAGES {
                    let why = format!("the catalogue has more than {} products", MOST_PAGES * 60);
                    return Err(Failure::Stop(failed(why).await?));
                }
                page = got.current + 1;
            }
            Err(e) if e.is_rate_limited() => {
                let wait = e.retry_after.unwrap_or(5).max(1);
                tries += 1;
                if wait > LONGEST_INLINE_WAIT || tries > TRIES_PER_PAGE {
                    // An attempt of the job's few: a store whose limit never
                    // lets a whole pass through fails, and says so.
                    return Err(waiting("Salla asked to slow down".into()).await?);
                }
                let note = format!("Read page {page}; Salla asked to wait {wait} s…");
                set_sync(state, tenant_id, store_id, ("running", &note, "")).await?;
                // Salla's own back-off: it says when the next call is welcome.
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            Err(e) if e.is_revoked() => {
                // One renewal per sync: a fresh token refused again is not
                // Salla retiring a token early.
                match salla::on_refusal(state, tenant_id, store_id, &access, !renewed).await? {
                    None => renewed = true,
                    Some(unusable) if unusable.passing => return Err(waiting(unusable.why).await?),
                    Some(unusable) => return Err(Failure::Stop(failed(unusable.why).await?)),
                }
            }
            Err(e) => {
                tracing::warn!(store_id, error = %e, code = %e.code, page, "a Salla catalogue page failed");
                return Err(if e.is_transient() {
                    waiting("Salla could not be reached".into()).await?
                } else {
                    Failure::Stop(failed("Salla refused the catalogue request".into()).await?)
                });
            }
        }
    }
    // Every product the sync read was written at or after `started`.
    sqlx::query(
        "update store_product set removed = 1, updated_at = $3 where tenant_id = $1 and store_id = $2 \
         and removed = 0 and (synced_at is null or synced_at < $4)",
    )
    .bind(tenant_id)
    .bind(store_id)
    .bind(now())
    .bind(started)
    .execute(&state.db.pool)
    .await
    .map_err(ServerError::from)?;
    set_sync(state, tenant_id, store_id, ("done", "", "")).await?;
    Ok(Done::Complete(Step::Done))
}

/// The connected stores of a Salla merchant (one per workspace at most).
async fn stores_of(state: &AppState, merchant_id: &str) -> ServerResult<Vec<(TenantId, String)>> {
    Ok(sqlx::query_as(
        "select tenant_id, id from store where platform = $1 and external_id = $2 and status = 'connected'",
    )
    .bind(PLATFORM)
    .bind(merchant_id)
    .fetch_all(&state.db.pool)
    .await?)
}

/// `product.created` / `product.updated`: the product as Salla now has it.
pub(super) async fn product_changed(state: &AppState, merchant_id: &str, product: &Value) -> ServerResult<usize> {
    let items: Vec<Item> = Product::from_json(product)
        .into_iter()
        .filter(|p| !p.id.is_empty())
        .map(item)
        .collect();
    let stores = stores_of(state, merchant_id).await?;
    for (tenant_id, store_id) in &stores {
        let mut tx = state.db.begin_write().await?;
        catalogue::upsert(&mut tx, tenant_id, store_id, &items).await?;
        tx.commit().await?;
    }
    Ok(stores.len())
}

/// `product.deleted`: the product (and its variants) are gone from the store.
pub(super) async fn product_deleted(state: &AppState, merchant_id: &str, product_id: &str) -> ServerResult<usize> {
    let stores = stores_of(state, merchant_id).await?;
    for (tenant_id, store_id) in &stores {
        sqlx::query(
            "update store_product set removed = 1, updated_at = $4 where tenant_id = $1 and store_id = $2 \
             and external_id = $3",
        )
        .bind(tenant_id)
        .bind(store_id)
        .bind(product_id)
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    }
    Ok(stores.len())
}

/// The job that syncs one store's catalogue.
pub struct SyncJob;

#[async_trait::async_trait]
impl JobKind for SyncJob {
    fn name(&self) -> &'static str {
        KIND
    }

    /// Out of attempts: the Stores page stops showing a sync under way.
    async fn on_dead(&self, state: &AppState, job: &ClaimedJob, reason: &str) {
        let why = "Salla could not be read after several tries; the next scheduled sync tries again";
        if let Err(e) = set_sync(state, &job.tenant_id, &job.subject_id, ("failed", "", why)).await {
            tracing::warn!(error = %e, store_id = %job.subject_id, "could not mark a catalogue sync failed");
        }
        crate::server::queue::job_dead(state, KIND, job, reason).await;
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        _lease: &Lease,
    ) -> Result<Done, Failure> {
        full_sync(state, ctx.tenant_id(), &job.subject_id).await
    }
}
