//! The demo store: a store that lives inside Autopilot, so a newcomer can
//! try pricing with no Salla account. Its catalogue is a dozen invented
//! products with costs; each has two demo competitors whose prices are
//! invented too (a steady wobble around the product's price, the same for
//! everyone at the same hour). Every page labels all of it as invented.
//! Applying a price changes the demo store's own catalogue: that is the
//! store, so nothing is pretended.

use super::catalogue::{self, Item};
use super::{keep, FoundStore};
use crate::app::types::Permission;
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now};
use crate::server::error::ServerResult;
use crate::server::state::AppState;
use sha2::{Digest, Sha256};

pub const PLATFORM: &str = "demo";
/// Where demo competitors "are": no request ever goes there.
pub const COMPETITOR_HOST: &str = "demo-competitor.invalid";

/// One invented product; money in halalas, no stock figure: unlimited.
struct Invented(&'static str, &'static str, i64, Option<i64>, Option<i64>);

const PRODUCTS: [Invented; 12] = [
    Invented("Rose cake", "CAKE-ROSE", 12_000, Some(6_500), Some(14)),
    Invented("Saffron tea, 250 g", "TEA-SAFF", 4_500, Some(2_600), Some(80)),
    Invented("Arabic coffee, 500 g", "COF-ARB", 6_900, Some(4_100), None),
    Invented("Date box, medjool, 1 kg", "DATE-MED", 9_900, Some(6_000), Some(35)),
    Invented("Oud incense", "OUD-INC", 15_000, Some(7_200), Some(9)),
    Invented("Cardamom, 100 g", "SPC-CARD", 2_900, Some(1_500), Some(120)),
    Invented("Honey, sidr, 500 g", "HNY-SIDR", 18_500, Some(12_000), Some(0)),
    Invented("Ceramic dallah", "HOME-DAL", 22_000, Some(13_500), Some(6)),
    Invented("Prayer mat", "HOME-MAT", 8_500, None, Some(40)),
    Invented("Kunafa tray", "CAKE-KUN", 7_500, Some(3_900), Some(20)),
    Invented("Rose water, 250 ml", "RSE-WTR", 1_900, Some(900), Some(200)),
    Invented("Gift basket", "GIFT-BSK", 35_000, Some(24_000), Some(5)),
];

/// Connects the demo store (or connects it again): its catalogue and
/// competitors are laid out on first connect and kept after.
pub async fn connect(ctx: &TenantContext, state: &AppState) -> ServerResult<String> {
    ctx.require(Permission::ManageSites)?;
    let found = FoundStore {
        platform: PLATFORM,
        external_id: "demo".into(),
        name: "Demo store".into(),
        domain: "invented products and prices".into(),
        currency: "SAR".into(),
    };
    let mut tx = state.db.begin_write().await?;
    let id = keep(ctx, state, &mut tx, &found).await?;
    let (existing,): (i64,) =
        sqlx::query_as("select count(*) from store_product where tenant_id = $1 and store_id = $2")
            .bind(ctx.tenant_id())
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
    if existing == 0 {
        let items: Vec<Item> = PRODUCTS
            .iter()
            .enumerate()
            .map(|(i, Invented(name, sku, price, cost, stock))| Item {
                external_id: format!("demo-{}", i + 1),
                variant_id: String::new(),
                sku: sku.to_string(),
                name: name.to_string(),
                price: *price,
                sale_price: None,
                cost: *cost,
                stock: *stock,
                status: if *stock == Some(0) { "out" } else { "sale" }.into(),
                image_url: String::new(),
                url: String::new(),
            })
            .collect();
        catalogue::upsert(&mut tx, ctx.tenant_id(), &id, &items).await?;
        let products: Vec<(String, String)> =
            sqlx::query_as("select id, sku from store_product where tenant_id = $1 and store_id = $2")
                .bind(ctx.tenant_id())
                .bind(&id)
                .fetch_all(&mut *tx)
                .await?;
        let at = now();
        for (product_id, sku) in products {
            for shop in ["a", "b"] {
                sqlx::query(
                    "insert into competitor (id, tenant_id, store_id, product_id, url, label, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(new_id())
                .bind(ctx.tenant_id())
                .bind(&id)
                .bind(&product_id)
                .bind(format!("https://{shop}.{COMPETITOR_HOST}/{}", sku.to_lowercase()))
                .bind(format!("Demo competitor {} (invented prices)", shop.to_uppercase()))
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("update store set sync_state = 'done', synced_at = $3 where id = $1 and tenant_id = $2")
            .bind(&id)
            .bind(ctx.tenant_id())
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    super::runs::attach(ctx, &mut tx, &id).await?;
    super::competitors::attach(ctx, &mut tx, &id).await?;
    tx.commit().await?;
    // The competitors' first prices are read at once, so a first run has
    // something to work from.
    super::competitors::queue_read(state, ctx.tenant_id(), &id).await?;
    Ok(id)
}

/// A demo product's catalogue price, which its demo competitors wobble
/// around (not its current price, or they would chase the store's moves).
pub fn base_price(sku: &str) -> Option<i64> {
    PRODUCTS.iter().find(|p| p.1 == sku).map(|p| p.2)
}

/// Whether a competitor URL is a demo competitor's.
pub fn is_demo_url(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.ends_with(COMPETITOR_HOST)))
        .unwrap_or(false)
}

/// A demo competitor's invented price at `at`: within -12% to +8% of the
/// product's catalogue price `base`, steady for an hour, the same for the
/// same competitor and hour.
pub fn invented_price(competitor_url: &str, base: i64, at: i64) -> i64 {
    let digest = Sha256::digest(format!("{competitor_url}|{}", at / 3_600));
    let roll = i64::from(u16::from_be_bytes([digest[0], digest[1]]) % 2_001) - 1_200; // -1200..=800 bp
    (base + base * roll / 10_000).max(100) / 10 * 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_prices_stay_near_the_base_and_steady_within_the_hour() {
        let url = "https://a.demo-competitor.invalid/cake-rose";
        let at = 1_800_000_000; // on the hour
        let price = invented_price(url, 12_000, at);
        assert!((10_560..=12_960).contains(&price), "{price}");
        assert_eq!(price, invented_price(url, 12_000, at + 3_599));
        assert!(is_demo_url(url));
        assert!(!is_demo_url("https://shop.example.com/cake"));
    }
}
