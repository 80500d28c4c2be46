//! One full pricing run of a store with 20,000 products and 3 competitors
//! each (60,000 competitor prices already read), on one worker, on SQLite
//! and on PostgreSQL: the run reads the catalogue and the prices, decides
//! every product and writes every decision with its first event. The
//! target is under 10 s. Run with `scripts/bench.sh`; not part of the tests.

#[path = "common/mod.rs"]
mod common;

use autopilot::app::types::TenantId;
use autopilot::server::config::Config;
use autopilot::server::db::{new_id, now, now_ms, Db};
use autopilot::server::services::stores::runs;
use autopilot::server::state::AppState;
use std::collections::HashMap;
use std::time::Instant;

const PRODUCTS: usize = 20_000;
const COMPETITORS_EACH: usize = 3;
const TARGET_SECONDS: f64 = 10.0;
const TENANT: &str = "bench-shop";
const STORE: &str = "bench-store";

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join("autopilot-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.join(format!("{}.db", new_id())).display());
    run("SQLite", &sqlite).await;
    let admin = common::postgres_admin();
    match common::fresh_postgres(&admin).await {
        Some((url, name)) => {
            run("PostgreSQL", &url).await;
            common::drop_postgres(&admin, &name).await;
        }
        None => println!("PostgreSQL: not reachable at {admin}, skipped"),
    }
}

fn config(database_url: &str) -> Config {
    let env: HashMap<&str, &str> = [
        ("DATABASE_URL", database_url),
        ("SECRET_KEY", "bench-secret-key-that-is-at-least-32-bytes"),
    ]
    .into_iter()
    .collect();
    Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).expect("bench configuration is valid")
}

async fn run(engine: &str, database_url: &str) {
    let db = Db::open(database_url).await.expect("database opens");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("autopilot")
        .build();
    let state = AppState::new(config(database_url), db.clone(), options).expect("state builds");
    let setup = Instant::now();
    let run_id = fill(&db).await;
    println!(
        "{engine}: {PRODUCTS} products and {} competitor prices written in {:.1} s",
        PRODUCTS * COMPETITORS_EACH,
        setup.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    runs::execute(&state, &TenantId::new(TENANT), &run_id)
        .await
        .expect("the run finishes");
    let took = started.elapsed().as_secs_f64();
    let (state_now, analysed, proposed, skipped): (String, i64, i64, i64) =
        sqlx::query_as("select state, analysed, proposed, skipped from price_run where id = $1")
            .bind(&run_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let (events,): (i64,) = sqlx::query_as("select count(*) from price_decision_event")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let verdict = if took < TARGET_SECONDS && analysed as usize == PRODUCTS {
        "meets"
    } else {
        "BELOW"
    };
    println!(
        "{engine}: one run took {took:.2} s ({verdict} the {TARGET_SECONDS:.0} s target): run {state_now}, \
         {analysed} decided, {proposed} proposed, {skipped} skipped, {events} events written"
    );
}

/// Writes the workspace, the store (manual mode, default rules), its
/// products with costs, three fresh competitor prices each, and a queued
/// run. Returns the run's id.
async fn fill(db: &Db) -> String {
    let pool = &db.pool;
    let at = now();
    sqlx::query("insert into tenant (id, name, plan, created_at) values ($1, $1, 'agency', 0)")
        .bind(TENANT)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into store (id, tenant_id, platform, external_id, name, rules, connected_at, created_at, updated_at) \
         values ($1, $2, 'demo', 'demo', 'Bench store', $3, $4, $4, $4)",
    )
    .bind(STORE)
    .bind(TENANT)
    .bind(r#"{"min_margin_bp":1500,"strategy":{"kind":"beat_by_percent","bp":100},"max_change_bp":1000,"ending":99,"risk":"medium","cadence_hours":24,"stale_after_hours":48}"#)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for chunk in (0..PRODUCTS).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| {
                let price = 5_000 + (i % 400) as i64 * 125;
                let cost = price * (50 + (i % 40) as i64) / 100;
                format!("('p{i}', '{TENANT}', '{STORE}', 'x{i}', 'SKU-{i}', 'Product {i}', {price}, {cost}, {at}, {at}, {at})")
            })
            .collect();
        let sql = format!(
            "insert into store_product (id, tenant_id, store_id, external_id, sku, name, price, cost, synced_at, \
             created_at, updated_at) values {}",
            rows.join(", ")
        );
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        let offers: Vec<String> = chunk
            .iter()
            .flat_map(|i| {
                (0..COMPETITORS_EACH).map(move |c| {
                    let price = 5_000 + (i % 400) as i64 * 125 + (c as i64 - 1) * 300 - (i % 7) as i64 * 40;
                    format!("('c{i}-{c}', '{TENANT}', '{STORE}', 'p{i}', 'https://shop{c}.example/p{i}', {price}, {at}, {at}, {at})")
                })
            })
            .collect();
        let sql = format!(
            "insert into competitor (id, tenant_id, store_id, product_id, url, price, observed_at, checked_at, \
             created_at) values {}",
            offers.join(", ")
        );
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
    }
    let run_id = new_id();
    sqlx::query(
        "insert into price_run (id, tenant_id, store_id, trigger, mode, state, started_at) \
         values ($1, $2, $3, 'manual', 'manual', 'queued', $4)",
    )
    .bind(&run_id)
    .bind(TENANT)
    .bind(STORE)
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    run_id
}
