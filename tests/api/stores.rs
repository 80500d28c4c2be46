//! Store price automation over real HTTP, with the demo store (which lives
//! inside the app) and competitor pages served by a stand-in shop: the
//! plan's limit, a manual run whose proposals never go under the margin
//! floor, approving and editing proposals, a price the merchant changed
//! meanwhile left alone, revert, the CSV trail, automatic mode's cap and
//! pause switch, competitor pages read from structured data or a selector
//! (and refused for the right reasons), and another workspace's store,
//! products and decisions not found.

use crate::helpers::{spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{json, Value};
use std::time::Duration;

on_both_engines!(
    a_manual_run_proposes_within_the_floor_and_review_applies_edits_and_reverts,
    costs_are_imported_from_csv_all_or_nothing,
    automatic_mode_applies_up_to_its_cap_and_the_pause_switch_stops_it,
    semi_automatic_mode_runs_on_the_cadence_and_leaves_proposals_for_review,
    competitor_pages_are_read_from_structured_data_or_refused_with_the_reason,
    another_workspaces_store_products_and_decisions_are_not_found,
);

pub(crate) async fn store_list(app: &TestApp) -> Value {
    let (status, page) = app.call_json("stores/list", &[]).await;
    assert_eq!(status, 200, "{page}");
    page
}

/// Signs up and connects the demo store; returns its id.
async fn demo_store(app: &TestApp, email: &str) -> String {
    app.sign_up(email, PASSWORD, "Shop").await;
    let (status, id) = app.call_json("stores/connect_demo", &[]).await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_string()
}

/// Reads the store's competitor prices and waits until every page is read.
pub(crate) async fn read_prices(app: &TestApp, store: &str) {
    let (status, body) = app.call_json("stores/competitors/read", &[("store_id", store)]).await;
    assert_eq!(status, 200, "{body}");
    for _ in 0..600 {
        let (_, unread) = app.call_json("stores/competitors/unread", &[("store_id", store)]).await;
        if unread == json!(0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("competitor prices were never all read");
}

pub(crate) async fn settings(app: &TestApp, store: &str, mode: &str, cap: &str, min_margin: &str) -> (u16, Value) {
    app.call_json(
        "stores/settings",
        &[
            ("store_id", store),
            ("mode", mode),
            ("max_changes_per_run", cap),
            ("min_margin", min_margin),
            ("strategy", "beat_percent"),
            ("strategy_value", "1"),
            ("max_change", "30"),
            ("ending", ""),
            ("risk", "high"),
            ("cadence_hours", "24"),
            ("stale_after_hours", "48"),
        ],
    )
    .await
}

/// Runs the store's pricing and waits for the run to finish.
pub(crate) async fn run(app: &TestApp, store: &str) -> Value {
    let (status, run_id) = app.call_json("stores/run", &[("store_id", store)]).await;
    assert_eq!(status, 200, "{run_id}");
    let run_id = run_id.as_str().unwrap().to_string();
    for _ in 0..600 {
        let (_, run) = app.call_json("stores/run/progress", &[("run_id", &run_id)]).await;
        if run["state"] == "done" {
            return run;
        }
        assert_ne!(run["state"], "failed", "{run}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("run {run_id} never finished");
}

pub(crate) async fn decisions(app: &TestApp, filter: Value) -> Value {
    let (status, page) = app
        .call_with_json("stores/decisions", &json!({ "filter": filter }))
        .await;
    assert_eq!(status, 200, "{page}");
    page
}

pub(crate) async fn price_of(app: &TestApp, product_id: &str) -> i64 {
    let (status, product) = app.call_json("stores/product", &[("product_id", product_id)]).await;
    assert_eq!(status, 200, "{product}");
    product["product"]["price"].as_i64().unwrap()
}

async fn a_manual_run_proposes_within_the_floor_and_review_applies_edits_and_reverts(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Shop").await;
    let page = store_list(&app).await;
    assert_eq!((page["used"].as_i64(), page["limit"].as_i64()), (Some(0), Some(1)));
    assert_eq!(page["salla_ready"], false);
    // The plan's limit refuses a store beyond it.
    let tenant = app.me().await["workspace"]["id"].as_str().unwrap().to_string();
    sqlx::query("update tenant set stores_limit_override = 0 where id = $1")
        .bind(&tenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, refused) = app.call_json("stores/connect_demo", &[]).await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused.to_string().contains("Your plan allows 0 stores"), "{refused}");
    sqlx::query("update tenant set stores_limit_override = null where id = $1")
        .bind(&tenant)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, id) = app.call_json("stores/connect_demo", &[]).await;
    let store = id.as_str().unwrap().to_string();
    assert_eq!(
        app.call_json("stores/connect_demo", &[]).await.1,
        id,
        "the same store again"
    );
    let page = store_list(&app).await;
    assert_eq!(page["stores"][0]["products"].as_i64(), Some(12));
    assert_eq!(page["stores"][0]["mode"], "manual");

    // A bad rule is refused with what to enter, and nothing changes.
    let (status, bad) = settings(&app, &store, "manual", "50", "lots").await;
    assert_eq!(status, 422, "{bad}");
    assert!(bad.to_string().contains("minimum margin"), "{bad}");
    let (status, body) = settings(&app, &store, "manual", "50", "20").await;
    assert_eq!(status, 200, "{body}");
    read_prices(&app, &store).await;
    let run = run(&app, &store).await;
    assert_eq!(run["analysed"].as_i64(), Some(12), "{run}");
    assert_eq!(
        run["proposed"].as_i64().unwrap() + run["skipped"].as_i64().unwrap(),
        12,
        "{run}"
    );
    assert!(run["competitors"].as_i64().unwrap() >= 24, "{run}");

    // Every proposal keeps at least a 20% margin over cost.
    let all = decisions(&app, json!({ "store_id": store })).await;
    assert_eq!(all["total"].as_i64(), Some(12));
    for d in all["decisions"].as_array().unwrap() {
        if let (Some(proposed), Some(cost)) = (d["proposed_price"].as_i64(), d["cost"].as_i64()) {
            assert!(proposed * 100 >= cost * 120, "{d}");
            assert!(proposed >= d["floor_price"].as_i64().unwrap(), "{d}");
        }
        assert_eq!(
            d["competitors"].as_array().unwrap().len(),
            2,
            "its inputs are kept: {d}"
        );
    }
    let honey = all["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["sku"] == "HNY-SIDR")
        .unwrap();
    assert_eq!(
        (honey["outcome"].as_str(), honey["reason"].as_str()),
        (Some("skipped"), Some("out of stock"))
    );

    let proposals = decisions(&app, json!({ "store_id": store, "outcome": "proposed" })).await;
    let proposals = proposals["decisions"].as_array().unwrap().clone();
    assert!(
        proposals.len() >= 4,
        "the demo's invented prices leave room for proposals: {proposals:?}"
    );
    let ids: Vec<String> = proposals
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();

    // Two approved at once are applied as proposed.
    let (status, approved) = app
        .call_json(
            "stores/decisions/approve",
            &[("decision_ids", &ids[..2].join(",")), ("price", "")],
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved[0].as_i64(), Some(2), "{approved}");
    for d in &proposals[..2] {
        assert_eq!(
            price_of(&app, d["product_id"].as_str().unwrap()).await,
            d["proposed_price"].as_i64().unwrap()
        );
    }
    // Approving again (a double click) changes nothing and says why.
    let (_, again) = app
        .call_json("stores/decisions/approve", &[("decision_ids", &ids[0]), ("price", "")])
        .await;
    assert_eq!(again[0].as_i64(), Some(0), "{again}");
    assert!(
        again[1][0].as_str().unwrap().contains("not waiting for review"),
        "{again}"
    );
    // An edit below the floor is refused; above it, the edited price is applied.
    let third = &proposals[2];
    let floor = third["floor_price"].as_i64().unwrap();
    let below = format!("{}.{:02}", (floor - 1) / 100, (floor - 1) % 100);
    let (status, refused) = app
        .call_json(
            "stores/decisions/approve",
            &[("decision_ids", &ids[2]), ("price", &below)],
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("below this product's floor"), "{refused}");
    // A ceiling set since the run bounds an edit too.
    let money = |minor: i64| format!("{}.{:02}", minor / 100, minor % 100);
    let cost = third["cost"].as_i64().map(money).unwrap_or_default();
    let ceiling = money(floor + 2_000);
    let product_id = third["product_id"].as_str().unwrap();
    let (status, body) = app
        .call_json(
            "stores/product/cost",
            &[
                ("product_id", product_id),
                ("cost", &cost),
                ("floor_price", ""),
                ("ceiling_price", &ceiling),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, refused) = app
        .call_json(
            "stores/decisions/approve",
            &[("decision_ids", &ids[2]), ("price", &money(floor + 3_000))],
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused.to_string().contains("above this product's ceiling"),
        "{refused}"
    );
    let edited = floor + 1_000;
    let (status, _) = app
        .call_json(
            "stores/decisions/approve",
            &[
                ("decision_ids", &ids[2]),
                ("price", &format!("{}.{:02}", edited / 100, edited % 100)),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(price_of(&app, third["product_id"].as_str().unwrap()).await, edited);

    // The merchant changed the fourth product's price meanwhile: approving
    // fails with that reason and the merchant's price stays.
    let fourth = &proposals[3];
    sqlx::query("update store_product set price = 4242 where id = $1")
        .bind(fourth["product_id"].as_str().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, outcome) = app
        .call_json("stores/decisions/approve", &[("decision_ids", &ids[3]), ("price", "")])
        .await;
    assert_eq!(outcome[0].as_i64(), Some(0), "{outcome}");
    assert!(
        outcome[1][0]
            .as_str()
            .unwrap()
            .contains("changed in the store meanwhile"),
        "{outcome}"
    );
    assert_eq!(price_of(&app, fourth["product_id"].as_str().unwrap()).await, 4242);

    // Revert puts the first product's old price back; twice is refused.
    let first = &proposals[0];
    let (status, body) = app
        .call_json("stores/decisions/revert", &[("decision_id", &ids[0])])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        price_of(&app, first["product_id"].as_str().unwrap()).await,
        first["price_before"].as_i64().unwrap()
    );
    let (status, _) = app
        .call_json("stores/decisions/revert", &[("decision_id", &ids[0])])
        .await;
    assert_eq!(status, 409);
    // The trail keeps every step, and the rest can be rejected in bulk.
    let events = app
        .count(&format!(
            "select count(*) from price_decision_event where decision_id = '{}'",
            ids[0]
        ))
        .await;
    assert_eq!(events, 4, "proposed, approved, applied, reverted");
    let (status, rejected) = app
        .call_json("stores/decisions/reject", &[("decision_ids", &ids[4..].join(","))])
        .await;
    assert_eq!((status, rejected.as_i64()), (200, Some(ids.len() as i64 - 4)));
    let outcomes = decisions(&app, json!({ "store_id": store })).await;
    let count = |o: &str| {
        outcomes["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["outcome"] == o)
            .count()
    };
    assert_eq!(
        (count("applied"), count("reverted"), count("failed"), count("proposed")),
        (2, 1, 1, 0)
    );

    let csv = app.get(&format!("/app/stores/decisions.csv?store_id={store}")).await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("decided_at,product,sku,"), "{text}");
    assert_eq!(text.lines().count(), 13, "a header and twelve decisions");
    assert!(text.contains("out of stock") && text.contains("reverted"));
}

async fn automatic_mode_applies_up_to_its_cap_and_the_pause_switch_stops_it(engine: Engine) {
    let app = spawn(engine).await;
    let store = demo_store(&app, "ada@example.com").await;
    let (status, body) = settings(&app, &store, "auto", "2", "10").await;
    assert_eq!(status, 200, "{body}");
    read_prices(&app, &store).await;
    let first = run(&app, &store).await;
    assert_eq!(first["applied"].as_i64(), Some(2), "the cap: {first}");
    let capped = decisions(&app, json!({ "store_id": store, "outcome": "skipped" })).await;
    assert!(
        capped["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["reason"] == "over this run's cap of 2 changes"),
        "{capped}"
    );
    let applied = decisions(&app, json!({ "store_id": store, "outcome": "applied" })).await;
    for d in applied["decisions"].as_array().unwrap() {
        assert_eq!(
            price_of(&app, d["product_id"].as_str().unwrap()).await,
            d["applied_price"].as_i64().unwrap()
        );
    }

    // Paused: the next run decides but changes nothing.
    let (status, _) = app
        .call_json("stores/pause", &[("store_id", &store), ("paused", "on")])
        .await;
    assert_eq!(status, 200);
    let before = app
        .count("select cast(coalesce(sum(price), 0) as bigint) from store_product")
        .await;
    let paused = run(&app, &store).await;
    assert_eq!(paused["applied"].as_i64(), Some(0), "{paused}");
    assert_eq!(
        app.count("select cast(coalesce(sum(price), 0) as bigint) from store_product")
            .await,
        before
    );
    assert!(store_list(&app).await["stores"][0]["paused"] == true);
}

/// Hands the store's pricing schedule the slot `slot` (unix seconds) and
/// lets a scheduler serve it; returns the scheduled runs so far, once none
/// is still going.
async fn serve_slot(app: &TestApp, store: &str, slot: i64) -> Vec<Value> {
    sqlx::query("update schedule set next_run_at = $1 where job_kind = 'store-pricing' and subject_id = $2")
        .bind(slot)
        .bind(store)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let scheduler = crate::helpers::state_on(&app.database_url, &[]).await;
    autopilot::server::scheduler::enqueue_due(&scheduler, &autopilot::server::services::job_kinds())
        .await
        .unwrap();
    for _ in 0..600 {
        let (status, runs) = app
            .call_json("stores/runs", &[("store_id", store), ("limit", "10")])
            .await;
        assert_eq!(status, 200, "{runs}");
        let runs: Vec<Value> = runs.as_array().unwrap().to_vec();
        if runs
            .iter()
            .all(|r| matches!(r["state"].as_str(), Some("done" | "failed")))
        {
            return runs.into_iter().filter(|r| r["trigger"] == "schedule").collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("a scheduled run never finished");
}

async fn semi_automatic_mode_runs_on_the_cadence_and_leaves_proposals_for_review(engine: Engine) {
    let app = spawn(engine).await;
    let store = demo_store(&app, "ada@example.com").await;
    read_prices(&app, &store).await;
    let prices: Vec<(i64,)> = sqlx::query_as("select price from store_product where store_id = $1 order by id")
        .bind(&store)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    // Manual mode: the hourly slot starts nothing.
    let start = autopilot::server::db::now() - 10;
    assert!(serve_slot(&app, &store, start).await.is_empty());

    // Semi-automatic, every 24 hours: the slot starts a run whose
    // proposals wait for review; nothing is applied.
    let (status, body) = settings(&app, &store, "semi", "50", "10").await;
    assert_eq!(status, 200, "{body}");
    let runs = serve_slot(&app, &store, start).await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0]["mode"].as_str(), runs[0]["applied"].as_i64()),
        (Some("semi"), Some(0))
    );
    let waiting = runs[0]["proposed"].as_i64().unwrap();
    assert!(waiting > 0, "{runs:?}");
    let page = decisions(&app, json!({ "store_id": store, "outcome": "proposed" })).await;
    assert_eq!(page["total"].as_i64(), Some(waiting));
    let after: Vec<(i64,)> = sqlx::query_as("select price from store_product where store_id = $1 order by id")
        .bind(&store)
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(prices, after, "proposals wait; no price moved");

    // The next slot is within the cadence: no run. Once the last scheduled
    // run is a day old, the next slot starts another.
    assert_eq!(serve_slot(&app, &store, start + 1).await.len(), 1);
    let a_day_earlier = "update price_run set slot = slot - 86400 where trigger = 'schedule'";
    sqlx::query(a_day_earlier).execute(&app.db.pool).await.unwrap();
    assert_eq!(serve_slot(&app, &store, start + 2).await.len(), 2);
    // Paused, the cadence starts nothing.
    let (status, _) = app
        .call_json("stores/pause", &[("store_id", &store), ("paused", "on")])
        .await;
    assert_eq!(status, 200);
    sqlx::query(a_day_earlier).execute(&app.db.pool).await.unwrap();
    assert_eq!(serve_slot(&app, &store, start + 3).await.len(), 2);
}

async fn costs_are_imported_from_csv_all_or_nothing(engine: Engine) {
    let app = spawn(engine).await;
    let store = demo_store(&app, "ada@example.com").await;
    let import = |csv: &'static str| {
        let store = store.clone();
        let app = &app;
        async move {
            app.call_json("stores/import_costs", &[("store_id", &store), ("csv", csv)])
                .await
        }
    };
    let (status, refused) = import("sku,cost,min_price\nCAKE-ROSE,70.00,90.00\nNOPE,1,2\n").await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused.to_string().contains("line 3: no product with sku NOPE"),
        "{refused}"
    );
    let (status, refused) = import("sku,cost,min_price,max_price\nCAKE-ROSE,70,90,80\nTEA-SAFF,abc,,\n").await;
    assert_eq!(status, 422, "{refused}");
    let text = refused.to_string();
    assert!(
        text.contains("line 2: the minimum price is above the maximum") && text.contains("line 3:"),
        "{text}"
    );
    let (status, refused) = import("name,cost\nRose cake,1").await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        app.count("select count(*) from store_product where cost = 7000 or floor_price is not null")
            .await,
        0,
        "a refused file changes nothing"
    );
    let (status, done) = import("\u{feff}sku,cost,min_price\r\nCAKE-ROSE,70.00,90.00\r\nHOME-MAT,30,\r\n").await;
    assert_eq!((status, done.as_i64()), (200, Some(2)), "{done}");
    let (_, products) = app
        .call_with_json(
            "stores/products",
            &json!({ "store_id": store, "filter": { "q": "rose cake" } }),
        )
        .await;
    let rose = &products["products"][0];
    assert_eq!(
        (rose["cost"].as_i64(), rose["floor_price"].as_i64()),
        (Some(7_000), Some(9_000))
    );
    let (_, products) = app
        .call_with_json(
            "stores/products",
            &json!({ "store_id": store, "filter": { "q": "prayer" } }),
        )
        .await;
    assert_eq!(
        products["products"][0]["cost"].as_i64(),
        Some(3_000),
        "the mat had no cost before"
    );
}

/// A stand-in shop: one product page per way shops publish a price, and
/// the ways they fail.
pub(crate) async fn competitor_shop() -> String {
    let html =
        |body: &'static str| move || async move { ([(header::CONTENT_TYPE, "text/html")], body).into_response() };
    let app = axum::Router::new()
        .route(
            "/ld",
            get(html(r#"<html><head><script type="application/ld+json">{"@type":"Product","name":"Rose cake",
                "offers":{"@type":"Offer","price":"99.50","priceCurrency":"SAR"}}</script></head><body></body></html>"#)),
        )
        .route(
            "/micro",
            get(html(r#"<div itemscope itemtype="https://schema.org/Product"><span itemprop="price" content="98.00">98</span>
                <meta itemprop="priceCurrency" content="SAR"></div>"#)),
        )
        .route(
            "/og",
            get(html(r#"<head><meta property="product:price:amount" content="97.25">
                <meta property="product:price:currency" content="SAR"></head>"#)),
        )
        .route("/selector", get(html(r#"<p class="now">96.00 ر.س</p>"#)))
        .route("/none", get(html("<p>Call us for a price.</p>")))
        .route(
            "/dollars",
            get(html(r#"<meta property="product:price:amount" content="25"><meta property="product:price:currency" content="USD">"#)),
        )
        .route("/huge", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "x".repeat(5 * 1024 * 1024)) }))
        .route("/blocked", get(|| async { (axum::http::StatusCode::FORBIDDEN, "no robots") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

async fn competitor_pages_are_read_from_structured_data_or_refused_with_the_reason(engine: Engine) {
    let app = spawn(engine).await;
    let store = demo_store(&app, "ada@example.com").await;
    let shop = competitor_shop().await;
    let (_, products) = app
        .call_with_json(
            "stores/products",
            &json!({ "store_id": store, "filter": { "q": "rose cake" } }),
        )
        .await;
    let product = products["products"][0]["id"].as_str().unwrap().to_string();
    for (path, selector) in [
        ("/ld", ""),
        ("/micro", ""),
        ("/og", ""),
        ("/selector", "p.now"),
        ("/none", ""),
        ("/dollars", ""),
        ("/huge", ""),
        ("/blocked", ""),
    ] {
        let url = format!("{shop}{path}");
        let (status, body) = app
            .call_json(
                "stores/competitor/add",
                &[
                    ("product_id", &product),
                    ("url", &url),
                    ("label", path),
                    ("selector", selector),
                ],
            )
            .await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, bad) = app
        .call_json(
            "stores/competitor/add",
            &[
                ("product_id", &product),
                ("url", "not a page"),
                ("label", ""),
                ("selector", ""),
            ],
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    let (status, _) = app
        .call_json(
            "stores/competitor/add",
            &[
                ("product_id", &product),
                ("url", &format!("{shop}/ld")),
                ("label", ""),
                ("selector", ""),
            ],
        )
        .await;
    assert_eq!(status, 409, "the same page twice");
    read_prices(&app, &store).await;
    let (_, detail) = app.call_json("stores/product", &[("product_id", &product)]).await;
    let seen = |label: &str| {
        detail["competitors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == label)
            .cloned()
            .unwrap()
    };
    assert_eq!(seen("/ld")["price"].as_i64(), Some(9_950));
    assert_eq!(seen("/micro")["price"].as_i64(), Some(9_800));
    assert_eq!(seen("/og")["price"].as_i64(), Some(9_725));
    assert_eq!(seen("/selector")["price"].as_i64(), Some(9_600));
    assert_eq!(seen("/none")["error"], "price not found on the page");
    assert_eq!(seen("/dollars")["error"], "currency SAR expected, got USD");
    assert_eq!(seen("/huge")["error"], "the page is larger than 2 MB");
    assert_eq!(seen("/blocked")["error"], "blocked (the shop answered 403)");
    assert_eq!(
        app.count(&format!(
            "select count(distinct competitor_id) from competitor_price where product_id = '{product}'"
        ))
        .await,
        6,
        "two demo competitors and four pages with a price, each with its readings kept"
    );
    // The lowest fresh price drives the product's gap to its competitors.
    let (_, products) = app
        .call_with_json(
            "stores/products",
            &json!({ "store_id": store, "filter": { "q": "rose cake", "show": "above" } }),
        )
        .await;
    assert_eq!(
        products["total"].as_i64(),
        Some(1),
        "priced above its cheapest competitor: {products}"
    );
}

async fn another_workspaces_store_products_and_decisions_are_not_found(engine: Engine) {
    let app = spawn(engine).await;
    let store = demo_store(&app, "ada@example.com").await;
    read_prices(&app, &store).await;
    let run_id = run(&app, &store).await["id"].as_str().unwrap().to_string();
    let page = decisions(&app, json!({ "store_id": store })).await;
    let decision = page["decisions"][0]["id"].as_str().unwrap().to_string();
    let product = page["decisions"][0]["product_id"].as_str().unwrap().to_string();

    let other = spawn_other(&app).await;
    let (status, _) = other.call_json("stores/run", &[("store_id", &store)]).await;
    assert_eq!(status, 404);
    let (status, _) = other.call_json("stores/product", &[("product_id", &product)]).await;
    assert_eq!(status, 404);
    let (status, _) = other
        .call_json("stores/product/caption", &[("product_id", &product)])
        .await;
    assert_eq!(status, 404);
    let (status, _) = other.call_json("stores/sync", &[("store_id", &store)]).await;
    assert_eq!(status, 404);
    let (status, _) = other
        .call_with_json("stores/products", &json!({ "store_id": store, "filter": {} }))
        .await;
    assert_eq!(status, 404);
    let (status, _) = other
        .call_json(
            "stores/decisions/approve",
            &[("decision_ids", &decision), ("price", "")],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = other
        .call_json("stores/decisions/revert", &[("decision_id", &decision)])
        .await;
    assert_eq!(status, 404);
    let (status, _) = other
        .call_json(
            "stores/product/cost",
            &[
                ("product_id", &product),
                ("cost", "1"),
                ("floor_price", ""),
                ("ceiling_price", ""),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = other
        .call_json("stores/decisions/reject", &[("decision_ids", &decision)])
        .await;
    assert_eq!(status, 404);
    for (endpoint, form) in [
        ("stores/pause", vec![("store_id", store.as_str()), ("paused", "on")]),
        ("stores/competitors/read", vec![("store_id", store.as_str())]),
        ("stores/disconnect", vec![("store_id", store.as_str())]),
        (
            "stores/import_costs",
            vec![("store_id", store.as_str()), ("csv", "sku,cost\nCAKE-ROSE,1")],
        ),
        (
            "stores/competitor/add",
            vec![
                ("product_id", product.as_str()),
                ("url", "https://shop.example/x"),
                ("label", ""),
                ("selector", ""),
            ],
        ),
    ] {
        let (status, body) = other.call_json(endpoint, &form).await;
        assert_eq!(status, 404, "{endpoint}: {body}");
    }
    let (status, _) = settings(other, &store, "auto", "5", "10").await;
    assert_eq!(status, 404);
    let (status, _) = other.call_json("stores/run/progress", &[("run_id", &run_id)]).await;
    assert_eq!(status, 404);
    let competitor = a_competitor(other, &product).await;
    let (status, _) = other
        .call_json("stores/competitor/remove", &[("competitor_id", &competitor)])
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        decisions(other, json!({ "store_id": store })).await["total"].as_i64(),
        Some(0)
    );
    let csv = other
        .get(&format!("/app/stores/decisions.csv?store_id={store}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");
    assert_eq!(store_list(other).await["stores"], json!([]));
    // Nothing of Ada's changed.
    let state: (String, i16, String, i64) = sqlx::query_as(
        "select s.status, s.paused, s.mode, (select count(*) from competitor c where c.store_id = s.id) from store s",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(state, ("connected".into(), 0, "manual".into(), 24));
    assert_eq!(
        app.count("select count(*) from store_product where cost = 100").await,
        0
    );
    let kept =
        format!("select count(*) from price_decision where id = '{decision}' and outcome in ('proposed', 'skipped')");
    assert_eq!(app.count(&kept).await, 1);
}

/// One of the product's competitors, read straight from the database.
async fn a_competitor(app: &TestApp, product: &str) -> String {
    let (id,): (String,) = sqlx::query_as("select id from competitor where product_id = $1 limit 1")
        .bind(product)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    id
}

/// A second person with a workspace of their own, on the same app.
async fn spawn_other(app: &TestApp) -> &TestApp {
    app.set_cookie(None);
    app.sign_up("eve@example.com", PASSWORD, "Other shop").await;
    app
}
