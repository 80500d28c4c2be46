//! A store's live prices: changing one only if it is still what the
//! decision started from, so a price the merchant set meanwhile stays.
//! The demo store is its own catalogue; a Salla store is read and changed
//! through Salla's API (`salla::change_price`).

use super::StoreRow;
use crate::app::types::TenantId;
use crate::server::db::now;
use crate::server::domain::pricing::amount;
use crate::server::error::ServerResult;
use crate::server::state::AppState;

/// Changes a product's price in its store from `from` to `to`, after
/// reading the live price. Ok(Err(why)) when it was not changed.
pub(super) async fn change_price(
    state: &AppState,
    tenant_id: &TenantId,
    store: &StoreRow,
    product_id: &str,
    from: i64,
    to: i64,
) -> ServerResult<Result<(), String>> {
    if store.status != "connected" {
        return Ok(Err(format!("the store is {}", store.status)));
    }
    if !store.is_demo() {
        return super::salla::change_price(state, tenant_id, store, product_id, from, to).await;
    }
    // The demo store is its own catalogue: the live price is the row's,
    // checked and changed in one statement.
    let at = now();
    let done = sqlx::query(
        "update store_product set price = $4, updated_at = $5 where id = $1 and tenant_id = $2 and price = $3",
    )
    .bind(product_id)
    .bind(tenant_id)
    .bind(from)
    .bind(to)
    .bind(at)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        let live: Option<(i64,)> = sqlx::query_as("select price from store_product where id = $1 and tenant_id = $2")
            .bind(product_id)
            .bind(tenant_id)
            .fetch_optional(&state.db.pool)
            .await?;
        return Ok(Err(match live {
            Some((live,)) => changed_meanwhile(from, live),
            None => "the product is gone from the store".into(),
        }));
    }
    super::catalogue::record_price(&state.db.pool, tenant_id, product_id, to, at).await?;
    Ok(Ok(()))
}

/// Why a price the merchant changed meanwhile was left alone.
pub(super) fn changed_meanwhile(from: i64, live: i64) -> String {
    format!(
        "the price changed in the store meanwhile (was {}, now {}); it was left as it is",
        amount(from),
        amount(live)
    )
}
