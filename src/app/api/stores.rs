//! Store price automation: stores, products, competitors, runs and the
//! decisions' audit trail.

// The settings form posts each rule as a field of its own, so it works
// without wasm; that is more arguments than clippy's default allows.
#![allow(clippy::too_many_arguments)]

use crate::app::error::AppError;
use crate::app::types::{
    DecisionFilter, DecisionPage, ProductDetail, ProductFilter, ProductPage, RunSummary, StoreList,
};
#[cfg(feature = "ssr")]
use crate::app::types::{NewCompetitor, PricingRulesInput, ProductCostInput, StoreSettingsInput};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "stores/list")]
pub async fn stores_page() -> Result<StoreList, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::page(&ctx, &api::state()?).await?)
}

/// Returns the store's id.
#[server(prefix = "/api", endpoint = "stores/connect_demo")]
pub async fn connect_demo_store() -> Result<String, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::demo::connect(&ctx, &api::state()?).await?)
}

/// Reads a Salla store's whole catalogue again, now.
#[server(prefix = "/api", endpoint = "stores/sync")]
pub async fn sync_store(store_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::sync::sync_now(&ctx, &api::state()?, &store_id).await?)
}

#[server(prefix = "/api", endpoint = "stores/disconnect")]
pub async fn disconnect_store(store_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::disconnect(&ctx, &api::state()?, &store_id).await?)
}

/// Saves a store's mode and rules, as the settings form posts them.
#[server(prefix = "/api", endpoint = "stores/settings")]
pub async fn save_store_settings(
    store_id: String,
    mode: String,
    max_changes_per_run: String,
    min_margin: String,
    strategy: String,
    strategy_value: String,
    max_change: String,
    ending: String,
    risk: String,
    cadence_hours: String,
    stale_after_hours: String,
) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    let rules = PricingRulesInput {
        min_margin,
        strategy,
        strategy_value,
        max_change,
        ending,
        risk,
        cadence_hours,
        stale_after_hours,
    };
    let input = StoreSettingsInput {
        mode,
        max_changes_per_run,
        rules,
    };
    stores::save_settings(&ctx, &api::state()?, &store_id, input).await?;
    Ok(())
}

/// The pause switch: `paused` is "on" or "off".
#[server(prefix = "/api", endpoint = "stores/pause")]
pub async fn pause_store(store_id: String, paused: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::set_paused(&ctx, &api::state()?, &store_id, paused == "on").await?)
}

/// Queues a pricing run; returns its id.
#[server(prefix = "/api", endpoint = "stores/run")]
pub async fn run_pricing(store_id: String) -> Result<String, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::runs::run_now(&ctx, &api::state()?, &store_id).await?)
}

#[server(prefix = "/api", endpoint = "stores/run/progress")]
pub async fn pricing_run(run_id: String) -> Result<RunSummary, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::runs::get(&ctx, &api::state()?, &run_id).await?)
}

/// The latest runs (at most `limit`, up to 100), newest first;
/// `store_id` empty for every store.
#[server(prefix = "/api", endpoint = "stores/runs")]
pub async fn pricing_runs(store_id: String, limit: i64) -> Result<Vec<RunSummary>, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    let store = Some(store_id.as_str()).filter(|s| !s.is_empty());
    Ok(stores::runs::recent(&ctx, &api::state()?, store, limit).await?)
}

#[server(prefix = "/api", endpoint = "stores/products", input = server_fn::codec::Json)]
pub async fn store_products(store_id: String, filter: ProductFilter) -> Result<ProductPage, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::catalogue::page(&ctx, &api::state()?, &store_id, &filter).await?)
}

#[server(prefix = "/api", endpoint = "stores/product")]
pub async fn store_product(product_id: String) -> Result<ProductDetail, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::catalogue::detail(&ctx, &api::state()?, &product_id).await?)
}

/// A product as the caption writer's starting point (the composer's
/// "write a post about it").
#[server(prefix = "/api", endpoint = "stores/product/caption")]
pub async fn product_caption(product_id: String) -> Result<crate::app::types::CaptionRequest, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::catalogue::caption_brief(&ctx, &api::state()?, &product_id).await?)
}

#[server(prefix = "/api", endpoint = "stores/product/cost")]
pub async fn set_product_cost(
    product_id: String,
    cost: String,
    floor_price: String,
    ceiling_price: String,
) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    let input = ProductCostInput {
        cost,
        floor_price,
        ceiling_price,
    };
    stores::catalogue::set_cost(&ctx, &api::state()?, &product_id, &input).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "stores/competitor/add")]
pub async fn add_competitor(product_id: String, url: String, label: String, selector: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    let input = NewCompetitor { url, label, selector };
    stores::competitors::add(&ctx, &api::state()?, &product_id, &input).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "stores/competitor/remove")]
pub async fn remove_competitor(competitor_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::competitors::remove(&ctx, &api::state()?, &competitor_id).await?)
}

#[server(prefix = "/api", endpoint = "stores/decisions", input = server_fn::codec::Json)]
pub async fn price_decisions(filter: DecisionFilter) -> Result<DecisionPage, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::decisions::list(&ctx, &api::state()?, &filter).await?)
}

/// Approves proposals (`decision_ids` comma-separated, as a plain form
/// posts them; or one, at an edited `price`); returns how many were
/// applied, and why the others were not.
#[server(prefix = "/api", endpoint = "stores/decisions/approve")]
pub async fn approve_decisions(decision_ids: String, price: String) -> Result<(usize, Vec<String>), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    let edited = Some(price.as_str()).filter(|p| !p.trim().is_empty());
    let ids = split_ids(&decision_ids);
    let results = stores::review::approve(&ctx, &api::state()?, &ids, edited).await?;
    let applied = results.iter().filter(|r| r.1.is_ok()).count();
    Ok((applied, results.into_iter().filter_map(|r| r.1.err()).collect()))
}

/// Rejects proposals (`decision_ids` comma-separated); returns how many.
#[server(prefix = "/api", endpoint = "stores/decisions/reject")]
pub async fn reject_decisions(decision_ids: String) -> Result<i64, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::review::reject(&ctx, &api::state()?, &split_ids(&decision_ids)).await?)
}

#[cfg(feature = "ssr")]
fn split_ids(ids: &str) -> Vec<String> {
    ids.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[server(prefix = "/api", endpoint = "stores/decisions/revert")]
pub async fn revert_decision(decision_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    stores::review::revert(&ctx, &api::state()?, &decision_id).await?;
    Ok(())
}

/// Reads every competitor price of the store again, now.
#[server(prefix = "/api", endpoint = "stores/competitors/read")]
pub async fn read_competitor_prices(store_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::competitors::read_now(&ctx, &api::state()?, &store_id).await?)
}

/// How many of the store's competitor pages wait to be read.
#[server(prefix = "/api", endpoint = "stores/competitors/unread")]
pub async fn unread_competitors(store_id: String) -> Result<i64, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::competitors::unread(&ctx, &api::state()?, &store_id).await?)
}

/// Imports costs and floor and ceiling prices from CSV text; returns how
/// many products changed.
#[server(prefix = "/api", endpoint = "stores/import_costs")]
pub async fn import_product_costs(store_id: String, csv: String) -> Result<i64, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::stores};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(stores::catalogue::import_costs(&ctx, &api::state()?, &store_id, &csv).await?)
}
