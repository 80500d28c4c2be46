//! The Salla client against the Salla stand-in, over real HTTP: the
//! authorisation code is traded once, the store is named, the catalogue
//! comes in pages of 60 (variants priced on their own), the store's rate
//! limit answers 429 with Retry-After, a price change lands, and refresh
//! tokens are single-use: spending one twice revokes the whole grant.

use autopilot::server::clients::salla::Salla;
use autopilot::server::config::{AppCredentials, SallaConfig};
use autopilot::server::standins::salla::{product, SallaStandIn, MERCHANT_ID};
use autopilot::server::standins::{serve, APP_ID, APP_SECRET};
use serde_json::json;

async fn stand_in(products: usize) -> (SallaStandIn, Salla, AppCredentials, String) {
    let salla = SallaStandIn::new(products);
    let at = serve(salla.router(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = url::Url::parse(&format!("http://{at}")).unwrap();
    let config = SallaConfig {
        app: None,
        webhook_secret: None,
        auth_base: base.clone(),
        api_base: base,
        app_page: None,
    };
    let app = AppCredentials {
        id: APP_ID.into(),
        secret: APP_SECRET.into(),
    };
    (salla, Salla::new(&config), app, format!("http://{at}"))
}

/// What the merchant's browser does on the approval page: allow, and
/// follow the redirect back with the code.
async fn approve(client: &Salla, app: &AppCredentials, base: &str) -> String {
    let authorize = client.authorize_url(app, "http://127.0.0.1:9/back", "state-1");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let allow = format!("{authorize}&decision=allow");
    assert!(allow.starts_with(base));
    let back = browser.get(&allow).send().await.unwrap();
    assert_eq!(back.status(), 302);
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    let pairs: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], "state-1");
    pairs["code"].clone()
}

#[tokio::test]
async fn a_code_is_traded_once_and_the_catalogue_comes_in_pages() {
    let (salla, client, app, base) = stand_in(130).await;
    salla.add_product(json!({
        "id": 5000, "name": "Tea", "sku": "TEA", "price": {"amount": 45, "currency": "SAR"}, "unlimited_quantity": true,
        "skus": [{"id": 5001, "sku": "TEA-S", "price": {"amount": 40}, "stock_quantity": 3},
                 {"id": 5002, "sku": "TEA-L", "price": {"amount": "60.50"}, "unlimited_quantity": true}]
    }));
    let code = approve(&client, &app, &base).await;
    let grant = client
        .exchange(&app, &code, "http://127.0.0.1:9/back", 1_000)
        .await
        .unwrap();
    assert_eq!(grant.expires_at, 1_000 + 14 * 86_400);
    let again = client
        .exchange(&app, &code, "http://127.0.0.1:9/back", 1_000)
        .await
        .unwrap_err();
    assert!(again.is_revoked(), "a code works once: {again:?}");
    let merchant = client.merchant(&grant.access_token).await.unwrap();
    assert_eq!(
        (merchant.id, merchant.name.as_str()),
        (MERCHANT_ID.to_string(), "Stand-in Spices")
    );

    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let got = client.products(&grant.access_token, page).await.unwrap();
        assert!(
            got.products.len() <= 62,
            "60 products a page (a product with variants gives one per variant)"
        );
        seen.extend(got.products);
        if got.current >= got.total_pages {
            break;
        }
        page += 1;
    }
    assert_eq!(page, 3);
    assert_eq!(seen.len(), 132, "130 products and one with two variants");
    let large = seen.iter().find(|p| p.variant_id == "5002").unwrap();
    assert_eq!((large.price, large.stock, large.id.as_str()), (6_050, None, "5000"));
    assert_eq!(seen[0].cost, Some(2_500), "cost_price sent as a string");

    // A price change lands; a product's own page shows it.
    client.set_price(&grant.access_token, "1001", "", 4_750).await.unwrap();
    assert_eq!(salla.price_of(1001), Some(47.5));
    assert_eq!(
        client.product(&grant.access_token, "1001").await.unwrap()[0].price,
        4_750
    );
    let missing = client
        .set_price(&grant.access_token, "999999", "", 100)
        .await
        .unwrap_err();
    assert_eq!(missing.status, Some(404));
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let (salla, client, app, base) = stand_in(5).await;
    let code = approve(&client, &app, &base).await;
    let grant = client
        .exchange(&app, &code, "http://127.0.0.1:9/back", 0)
        .await
        .unwrap();
    salla.set_budget(2, 60);
    client.products(&grant.access_token, 1).await.unwrap();
    client.product(&grant.access_token, "1001").await.unwrap();
    let limited = client.products(&grant.access_token, 1).await.unwrap_err();
    assert!(limited.is_rate_limited() && limited.is_transient(), "{limited:?}");
    assert!(
        limited.retry_after.is_some_and(|s| (59..=60).contains(&s)),
        "the oldest call leaves the minute's window in a minute: {limited:?}"
    );
    salla.add_product(product(7, "X", "Extra", 10.0, None, 0));
    assert_eq!(salla.counts(), (0, 0));
}

#[tokio::test]
async fn a_refresh_token_works_once_and_spending_it_twice_revokes_the_grant() {
    let (salla, client, app, base) = stand_in(1).await;
    let code = approve(&client, &app, &base).await;
    let first = client
        .exchange(&app, &code, "http://127.0.0.1:9/back", 0)
        .await
        .unwrap();
    let second = client.refresh(&app, &first.refresh_token, 0).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token, "refresh tokens rotate");
    client.merchant(&second.access_token).await.unwrap();
    // The first refresh token again: Salla revokes everything it issued.
    let reused = client.refresh(&app, &first.refresh_token, 0).await.unwrap_err();
    assert!(reused.is_revoked() && reused.code == "invalid_grant", "{reused:?}");
    assert!(client.merchant(&second.access_token).await.unwrap_err().is_revoked());
    assert!(client
        .refresh(&app, &second.refresh_token, 0)
        .await
        .unwrap_err()
        .is_revoked());
    assert_eq!(salla.counts().0, 3);
    // Uninstalling the app ends a fresh grant too.
    let grant = salla.grant();
    let access = grant["access_token"].as_str().unwrap();
    client.merchant(access).await.unwrap();
    salla.uninstall();
    assert!(client.merchant(access).await.unwrap_err().is_revoked());
}
