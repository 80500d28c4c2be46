//! Salla stores against the Salla stand-in over real HTTP: the custom
//! mode's sign-in (state bound to the session, spent once), the easy
//! mode's signed webhooks matched to the workspace whose code the merchant
//! entered, the catalogue synced in pages through Salla's rate limit,
//! product webhooks, one token renewal at a time keeping the newest refresh
//! token, a revoked grant and an uninstall stopping the store, and prices
//! applied through Salla only while the live price is the one decided on.

use crate::helpers::{spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use crate::social_oauth::location;
use crate::stores::{competitor_shop, decisions, read_prices, run, settings, store_list};
use autopilot::app::types::TenantId;
use autopilot::server::services::stores::salla::{self as salla_store, Refreshed};
use autopilot::server::standins::salla::{send_webhook, SallaStandIn, MERCHANT_ID};
use autopilot::server::standins::{self, APP_ID, APP_SECRET};
use serde_json::{json, Value};
use std::time::Duration;

on_both_engines!(
    a_salla_sign_in_connects_the_store_and_its_catalogue_syncs_through_the_rate_limit,
    the_easy_mode_connects_the_store_to_the_workspace_whose_code_salla_sends,
    one_renewal_at_a_time_keeps_the_newest_refresh_token_and_a_revoked_grant_stops_the_store,
    prices_go_through_salla_only_while_the_live_price_is_the_one_decided_on,
);

const WEBHOOK_SECRET: &str = "salla-webhook-secret-for-tests";

struct Salla {
    standin: SallaStandIn,
    vars: Vec<(String, String)>,
}

async fn salla(products: usize) -> Salla {
    let standin = SallaStandIn::new(products);
    let at = standins::serve(standin.router(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let vars = [
        ("SALLA_CLIENT_ID", APP_ID.to_string()),
        ("SALLA_CLIENT_SECRET", APP_SECRET.to_string()),
        ("SALLA_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string()),
        ("SALLA_AUTH_BASE", format!("http://{at}")),
        ("SALLA_API_BASE", format!("http://{at}")),
        ("SALLA_APP_URL", "https://apps.salla.sa/en/app/autopilot".to_string()),
    ];
    Salla {
        standin,
        vars: vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

impl Salla {
    fn vars(&self) -> Vec<(&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    async fn app(&self, engine: Engine) -> TestApp {
        let app = spawn_with(engine, &self.vars()).await;
        app.sign_up("ada@example.com", PASSWORD, "Spice shop").await;
        app
    }
}

/// Follows Salla's whole sign-in from the Stores page; returns where the
/// app sent the merchant at the end.
async fn sign_in(app: &TestApp) -> String {
    let res = app.browser_form("/app/stores/connect/salla", &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let authorize = location(&res);
    let callback = approve(&authorize).await;
    let res = app.get(&callback).await;
    assert_eq!(res.status().as_u16(), 303, "{callback}");
    location(&res)
}

/// The merchant allows the app on Salla's page: the app's callback (path
/// and query) Salla sends them back to.
async fn approve(authorize: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser.get(format!("{authorize}&decision=allow")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 302);
    let back = url::Url::parse(&location(&res)).unwrap();
    format!("{}?{}", back.path(), back.query().unwrap_or_default())
}

/// The workspace's one Salla store, once its catalogue sync has ended.
async fn synced_store(app: &TestApp) -> Value {
    for _ in 0..600 {
        let list = store_list(app).await;
        let store = list["stores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["platform"] == "salla")
            .cloned();
        if let Some(store) = store {
            match store["sync_state"].as_str().unwrap() {
                "done" => return store,
                "failed" => panic!("the sync failed: {store}"),
                _ => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the catalogue sync never ended");
}

async fn tenant_of(app: &TestApp) -> TenantId {
    TenantId::new(app.me().await["workspace"]["id"].as_str().unwrap().to_string())
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&app.db.pool).await.unwrap();
    n
}

async fn a_salla_sign_in_connects_the_store_and_its_catalogue_syncs_through_the_rate_limit(engine: Engine) {
    let s = salla(130).await;
    let app = s.app(engine).await;
    let page = app.get("/app/stores").await;
    // The "Connect" form's answer redirects to Salla: browsers follow that
    // only when the page's form-action admits Salla's sign-in origin.
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    let form_action = csp.split(';').find(|d| d.trim().starts_with("form-action")).unwrap();
    let salla_origin = s.vars.iter().find(|(k, _)| k == "SALLA_AUTH_BASE").unwrap().1.clone();
    assert!(form_action.contains(&salla_origin), "{csp}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Connect with Salla") && html.contains("Install from Salla"),
        "{html}"
    );

    // The sign-in address names the app, a fresh state and the callback,
    // never the secret.
    let res = app.browser_form("/app/stores/connect/salla", &[]).await;
    let authorize = location(&res);
    let q: Vec<(String, String)> = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let param = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(param("client_id"), APP_ID);
    assert_eq!(param("state").len(), 64);
    assert!(param("redirect_uri").ends_with("/app/stores/callback/salla"));
    assert!(param("scope").contains("offline_access"));
    assert!(!authorize.contains(APP_SECRET));

    // Salla's limit is two calls in two seconds: the third page waits
    // for it and the sync goes on from there.
    s.standin.set_budget(2, 2);
    let callback = approve(&authorize).await;
    let res = app.get(&callback).await;
    assert_eq!(location(&res), "/app/stores?notice=connected");
    // The state worked once.
    let again = app.get(&callback).await;
    assert!(location(&again).contains("__err="), "{}", location(&again));

    let store = synced_store(&app).await;
    assert_eq!(
        (
            store["name"].as_str(),
            store["status"].as_str(),
            store["products"].as_i64()
        ),
        (Some("Stand-in Spices"), Some("connected"), Some(130))
    );
    assert!(
        s.standin.throttled() >= 1,
        "the sync met Salla's limit and waited it out"
    );
    // Tokens are sealed at rest, and the renewal is queued.
    let (access, refresh): (String, String) =
        sqlx::query_as("select access_token_sealed, refresh_token_sealed from store where platform = 'salla'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(!access.contains("salla-access-") && !refresh.contains("salla-refresh-"));
    assert_eq!(
        count(
            &app,
            "select count(*) from job where kind = 'store-token-refresh' and state = 'queued'"
        )
        .await,
        1
    );
    let cost: (Option<i64>, String) =
        sqlx::query_as("select cost, cost_from from store_product where external_id = '1001' and variant_id = ''")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(cost, (Some(2_500), "salla".to_string()));

    // A product gone from Salla is marked removed at the next full sync;
    // the plan's limit of one store is now used.
    s.standin.set_budget(120, 60);
    s.standin.remove_product(1002);
    let id = store["id"].as_str().unwrap();
    let (status, body) = app.call_json("stores/sync", &[("store_id", id)]).await;
    assert_eq!(status, 200, "{body}");
    for _ in 0..600 {
        if count(
            &app,
            "select count(*) from store_product where external_id = '1002' and removed = 1",
        )
        .await
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let store = synced_store(&app).await;
    assert_eq!(store["products"].as_i64(), Some(129));
    let html = app.page_html("/app/stores").await;
    assert!(html.contains("1 of 1 store in use"), "{html}");

    // One workspace at a time acts for a Salla store (two would spend its
    // single-use refresh token twice): another one's sign-in is refused.
    app.set_cookie(None);
    app.sign_up("eve@example.com", PASSWORD, "Other shop").await;
    let back = sign_in(&app).await;
    assert!(back.contains("__err="), "{back}");
    let html = app.page_html(&back).await;
    assert!(html.contains("connected to another workspace"), "{html}");
    assert_eq!(store_list(&app).await["stores"].as_array().unwrap().len(), 0);
}

async fn the_easy_mode_connects_the_store_to_the_workspace_whose_code_salla_sends(engine: Engine) {
    let s = salla(3).await;
    let app = s.app(engine).await;
    let hook = format!("{}/webhooks/salla", app.base);

    // Ada starts an install and gets a code; so does Eve, elsewhere.
    let res = app.browser_form("/app/stores/install/salla", &[]).await;
    assert_eq!((res.status().as_u16(), location(&res).as_str()), (303, "/app/stores"));
    let ada = store_list(&app).await["install"]["code"].as_str().unwrap().to_string();
    assert_eq!(ada.len(), 9, "{ada}");
    let html = app.page_html("/app/stores").await;
    assert!(html.contains(&ada) && html.contains("Waiting for Salla"));
    let ada_cookie = app.cookie();
    app.set_cookie(None);
    app.sign_up("eve@example.com", PASSWORD, "Other shop").await;
    app.browser_form("/app/stores/install/salla", &[]).await;
    let eve = store_list(&app).await["install"]["code"].as_str().unwrap().to_string();
    assert_ne!(ada, eve);

    // A delivery not signed with the app's secret changes nothing.
    let forged = send_webhook(&hook, "not-the-secret", "app.store.authorize", s.standin.grant())
        .await
        .unwrap();
    assert_eq!(forged, 401);
    assert_eq!(count(&app, "select count(*) from salla_delivery").await, 0);
    // Nor does a signed one that does not say when its token runs out.
    let mut undated = s.standin.grant();
    undated.as_object_mut().unwrap().remove("expires");
    let refused = send_webhook(&hook, WEBHOOK_SECRET, "app.store.authorize", undated)
        .await
        .unwrap();
    assert_eq!(refused, 400);
    assert_eq!(count(&app, "select count(*) from salla_delivery").await, 0);

    // The merchant installs (tokens arrive), then enters Ada's code the
    // way people type it: the store joins Ada's workspace, not Eve's.
    assert_eq!(s.standin.install(&hook, WEBHOOK_SECRET).await.unwrap(), 200);
    assert_eq!(count(&app, "select count(*) from store").await, 0, "no code yet");
    let typed = format!(" {} ", ada.to_lowercase());
    assert_eq!(
        SallaStandIn::enter_code(&hook, WEBHOOK_SECRET, &typed).await.unwrap(),
        200
    );
    assert_eq!(
        store_list(&app).await["stores"].as_array().unwrap().len(),
        0,
        "Eve has no store"
    );
    app.set_cookie(ada_cookie);
    let store = synced_store(&app).await;
    assert_eq!(
        (store["name"].as_str(), store["products"].as_i64()),
        (Some("Stand-in Spices"), Some(3))
    );
    assert!(store_list(&app).await["install"].is_null(), "the install is done");
    assert_eq!(count(&app, "select count(*) from salla_delivery").await, 0);
    let id = store["id"].as_str().unwrap().to_string();

    // Product webhooks keep the catalogue current between syncs.
    s.standin.set_price(1001, 61.25);
    let product = s.standin.product_json(1001).unwrap();
    assert_eq!(
        send_webhook(&hook, WEBHOOK_SECRET, "product.updated", product)
            .await
            .unwrap(),
        200
    );
    let (price,): (i64,) =
        sqlx::query_as("select price from store_product where external_id = '1001' and variant_id = ''")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(price, 6_125);
    let created = autopilot::server::standins::salla::product(2002, "NEW", "Sumac, 100 g", 19.0, Some(8.0), 12);
    s.standin.add_product(created.clone());
    send_webhook(&hook, WEBHOOK_SECRET, "product.created", created)
        .await
        .unwrap();
    send_webhook(&hook, WEBHOOK_SECRET, "product.deleted", json!({ "id": 1003 }))
        .await
        .unwrap();
    let store = synced_store(&app).await;
    assert_eq!(store["products"].as_i64(), Some(3), "one added, one deleted");

    // The merchant removes the app: the store stops and says why.
    send_webhook(&hook, WEBHOOK_SECRET, "app.uninstalled", json!({}))
        .await
        .unwrap();
    let store = &store_list(&app).await["stores"][0];
    assert_eq!(store["status"], "uninstalled");
    assert!(store["status_reason"]
        .as_str()
        .unwrap()
        .contains("removed from the store in Salla"));
    assert_eq!(
        count(
            &app,
            &format!("select count(*) from store where id = '{id}' and access_token_sealed is null")
        )
        .await,
        1
    );
    let (status, body) = app.call_json("stores/run", &[("store_id", &id)]).await;
    assert_ne!(status, 200, "an uninstalled store is not priced: {body}");
    // An event Autopilot has no use for is taken and left alone.
    let order = json!({ "id": 1, "reference_id": MERCHANT_ID });
    assert_eq!(
        send_webhook(&hook, WEBHOOK_SECRET, "order.created", order)
            .await
            .unwrap(),
        200
    );
}

async fn one_renewal_at_a_time_keeps_the_newest_refresh_token_and_a_revoked_grant_stops_the_store(engine: Engine) {
    let s = salla(2).await;
    let app = s.app(engine).await;
    assert_eq!(sign_in(&app).await, "/app/stores?notice=connected");
    let id = synced_store(&app).await["id"].as_str().unwrap().to_string();
    let tenant = tenant_of(&app).await;
    let worker = crate::helpers::state_on(&app.database_url, &s.vars()).await;
    let age = || async {
        sqlx::query("update store set token_expires_at = 1000 where platform = 'salla'")
            .execute(&app.db.pool)
            .await
            .unwrap();
    };
    // A fresh token is not renewed.
    assert_eq!(
        salla_store::refresh(&worker, &tenant, &id, false).await.unwrap(),
        Refreshed::NotDue
    );

    // Two renewals at once: one spends the refresh token, the other waits.
    age().await;
    s.standin.hold_refreshes();
    let first = tokio::spawn({
        let (worker, tenant, id) = (worker.clone(), tenant.clone(), id.clone());
        async move { salla_store::refresh(&worker, &tenant, &id, false).await.unwrap() }
    });
    s.standin.refresh_arrived().await;
    assert_eq!(
        salla_store::refresh(&worker, &tenant, &id, false).await.unwrap(),
        Refreshed::Busy
    );
    // Meanwhile the lock runs out and passes on: the renewal under way
    // still keeps the pair Salla gives it, the only one that now works.
    sqlx::query("update store set token_lock = 'someone-else', token_locked_until = 1 where id = $1")
        .bind(&id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    s.standin.release_refreshes();
    assert!(matches!(first.await.unwrap(), Refreshed::Done { .. }));
    assert_eq!(s.standin.counts().0, 1, "the refresh token was spent once");
    sqlx::query("update store set token_lock = null, token_locked_until = null where id = $1")
        .bind(&id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    age().await;
    assert!(
        matches!(
            salla_store::refresh(&worker, &tenant, &id, false).await.unwrap(),
            Refreshed::Done { .. }
        ),
        "the newest refresh token was kept"
    );
    assert_eq!(s.standin.counts().0, 2);
    // The catalogue still syncs with the renewed token.
    app.call_json("stores/sync", &[("store_id", &id)]).await;
    synced_store(&app).await;

    // Salla withdraws the grant: the next renewal is refused and the store
    // asks to be connected again; a fresh sign-in repairs it.
    s.standin.uninstall();
    age().await;
    let refused = salla_store::refresh(&worker, &tenant, &id, false).await.unwrap();
    assert!(matches!(refused, Refreshed::Revoked(_)), "{refused:?}");
    let store = &store_list(&app).await["stores"][0];
    assert_eq!(store["status"], "reconnect");
    assert!(store["status_reason"]
        .as_str()
        .unwrap()
        .contains("Connect the store again"));
    assert_eq!(sign_in(&app).await, "/app/stores?notice=connected");
    assert_eq!(store_list(&app).await["stores"][0]["status"], "connected");
    assert_eq!(
        count(&app, "select count(*) from store").await,
        1,
        "the same store, its history kept"
    );
}

async fn prices_go_through_salla_only_while_the_live_price_is_the_one_decided_on(engine: Engine) {
    let s = salla(3).await;
    let shop = competitor_shop().await;
    let app = s.app(engine).await;
    sign_in(&app).await;
    let store = synced_store(&app).await;
    let id = store["id"].as_str().unwrap().to_string();
    let (status, body) = settings(&app, &id, "manual", "50", "10").await;
    assert_eq!(status, 200, "{body}");
    let products: Vec<(String, String)> = sqlx::query_as(
        "select id, external_id from store_product where store_id = $1 and external_id in ('1001', '1002') \
         order by external_id",
    )
    .bind(&id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    for (product, _) in &products {
        let form = [
            ("product_id", product.as_str()),
            ("url", &format!("{shop}/ld")),
            ("label", "Rival"),
            ("selector", ""),
        ];
        let (status, body) = app.call_json("stores/competitor/add", &form).await;
        assert_eq!(status, 200, "{body}");
    }
    read_prices(&app, &id).await;
    run(&app, &id).await;
    let proposed = decisions(&app, json!({ "store_id": id, "outcome": "proposed" })).await;
    let ids: Vec<(String, String, i64)> = proposed["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["product_id"].as_str().unwrap().to_string(),
                d["proposed_price"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids.len(), 2, "{proposed}");
    let decision_for = |product: &str| ids.iter().find(|d| d.1 == product).unwrap().clone();
    let (first, _, first_price) = decision_for(&products[0].0);
    let (second, _, _) = decision_for(&products[1].0);

    // A product goes to the social composer as the caption writer's start.
    let (status, brief) = app
        .call_json("stores/product/caption", &[("product_id", &products[0].0)])
        .await;
    assert_eq!(status, 200, "{brief}");
    assert_eq!(
        (
            brief["product_name"].as_str(),
            brief["price"].as_str(),
            brief["url"].as_str()
        ),
        (
            Some("Spice 1"),
            Some("SAR 50.00"),
            Some("https://stand-in-spices.invalid/p1001")
        )
    );

    // The merchant changes the second product's price in Salla meanwhile.
    s.standin.set_price(1002, 77.0);
    let puts_before = s.standin.counts().1;
    let (status, approved) = app
        .call_json(
            "stores/decisions/approve",
            &[("decision_ids", &format!("{first},{second}")), ("price", "")],
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved[0].as_i64(), Some(1), "{approved}");
    assert!(
        approved[1][0]
            .as_str()
            .unwrap()
            .contains("changed in the store meanwhile"),
        "{approved}"
    );
    assert_eq!(
        s.standin.price_of(1001),
        Some(first_price as f64 / 100.0),
        "applied in Salla"
    );
    assert_eq!(s.standin.price_of(1002), Some(77.0), "the merchant's price stays");
    assert_eq!(
        s.standin.counts().1,
        puts_before + 1,
        "one PUT: the other was never sent"
    );
    let (local,): (i64,) = sqlx::query_as("select price from store_product where id = $1")
        .bind(&products[1].0)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(local, 7_700, "the catalogue shows the store's live price");

    // Revert puts the old price back in Salla, even after Salla retired
    // the access token early: the sign-in is renewed once and the call
    // made again.
    s.standin.retire_access_tokens();
    let refreshes = s.standin.counts().0;
    let (status, body) = app
        .call_json("stores/decisions/revert", &[("decision_id", &first)])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(s.standin.counts().0, refreshes + 1);
    assert_eq!(store_list(&app).await["stores"][0]["status"], "connected");
    assert_eq!(s.standin.price_of(1001), Some(50.0));
    let trail = decisions(&app, json!({ "store_id": id, "outcome": "failed" })).await;
    assert_eq!(trail["decisions"].as_array().unwrap().len(), 1, "{trail}");
}
