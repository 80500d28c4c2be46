//! Billing against a fake Stripe over real HTTP, with webhook payloads
//! signed here, on both engines; and test mode with no Stripe at all.
//! Webhook delivery (duplicates, order, signatures, dunning) is in
//! `billing_events`; the helpers here serve both.

use crate::fake_stripe::{event, sign, FakeStripe, SECRET_KEY};
use crate::helpers::{spawn, spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

on_both_engines!(
    test_mode_changes_the_plan_at_once_for_owners_only,
    checkout_then_the_webhook_raises_the_limits,
    the_return_page_fulfils_first_and_shows_nothing_to_another_workspace,
    a_trial_starts_once_and_cancelling_ends_at_the_period_end,
    a_platform_admin_overrides_one_limit,
);

pub const WEBHOOK_SECRET: &str = "whsec_test_secret";

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

pub async fn stripe_app(engine: Engine, stripe: &FakeStripe, trial_days: &str) -> TestApp {
    spawn_with(
        engine,
        &[
            ("STRIPE_SECRET_KEY", SECRET_KEY),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
            ("STRIPE_PRICE_PRO", "price_pro"),
            ("STRIPE_PRICE_AGENCY", "price_agency"),
            ("STRIPE_API_BASE", &stripe.url),
            ("TRIAL_DAYS", trial_days),
            ("DUNNING_GRACE_DAYS", "7"),
        ],
    )
    .await
}

/// Posts a delivery as Stripe would, signed now.
pub async fn deliver(app: &TestApp, event: &Value) -> u16 {
    let body = event.to_string();
    deliver_raw(app, &body, &sign(&body, WEBHOOK_SECRET, unix_now())).await
}

pub async fn deliver_raw(app: &TestApp, body: &str, signature: &str) -> u16 {
    post_webhook(app.url("/webhooks/stripe"), body.to_string(), signature.to_string()).await
}

pub async fn post_webhook(url: String, body: String, signature: String) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("stripe-signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

pub async fn billing(app: &TestApp) -> Value {
    let (status, overview) = app.call_json("billing", &[("page", "1")]).await;
    assert_eq!(status, 200, "{overview}");
    overview
}

pub fn posts_limit(overview: &Value) -> i64 {
    overview["limits"]["posts_per_month"].as_i64().unwrap()
}

pub async fn choose(app: &TestApp, plan: &str) -> (u16, Value) {
    app.call_json("billing/plan", &[("plan", plan)]).await
}

pub async fn tenant_id(app: &TestApp) -> String {
    app.me().await["workspace"]["id"].as_str().unwrap().to_string()
}

/// Signs up, starts a Checkout for `plan` and returns the session id.
pub async fn start_checkout(app: &TestApp, stripe: &FakeStripe, email: &str, plan: &str) -> String {
    app.sign_up(email, PASSWORD, "Acme").await;
    let (status, change) = choose(app, plan).await;
    assert_eq!(status, 200, "{change}");
    let url = change["Checkout"]["url"].as_str().expect("a checkout url").to_string();
    assert!(url.starts_with(&stripe.url), "{url}");
    url.rsplit('/').next().unwrap().to_string()
}

/// Signs `email` up and makes them a `role` of `workspace`, working in it
/// (the app's cookie is theirs afterwards).
pub async fn join_as(app: &TestApp, workspace: &str, email: &str, role: &str) {
    app.set_cookie(None);
    app.sign_up(email, PASSWORD, "Own").await;
    let user = app.me().await["user"]["id"].as_str().unwrap().to_string();
    sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, $2, $3, 0)")
        .bind(workspace)
        .bind(&user)
        .bind(role)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, body) = app.call_json("workspaces/switch", &[("workspace_id", workspace)]).await;
    assert_eq!(status, 200, "{body}");
}

/// A workspace on a paid plan through Checkout and its webhook; returns
/// (checkout session id, subscription id).
pub async fn subscribed(app: &TestApp, stripe: &FakeStripe, email: &str, plan: &str) -> (String, String) {
    let session = start_checkout(app, stripe, email, plan).await;
    let sub = stripe.complete_checkout(&session);
    let completed = event(
        "evt_checkout_1",
        "checkout.session.completed",
        stripe.checkout_session(&session),
        unix_now(),
    );
    assert_eq!(deliver(app, &completed).await, 200);
    (session, sub)
}

async fn test_mode_changes_the_plan_at_once_for_owners_only(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("owner@example.com", PASSWORD, "Acme").await;
    let overview = billing(&app).await;
    assert_eq!(overview["test_mode"], true);
    assert_eq!(overview["plan"], "free");
    assert_eq!(posts_limit(&overview), 10);
    assert_eq!(overview["invoices"]["lines"], json!([]));

    let (status, change) = choose(&app, "pro").await;
    assert_eq!(status, 200, "{change}");
    assert!(
        change["Applied"]["message"].as_str().unwrap().contains("Test mode"),
        "{change}"
    );
    let overview = billing(&app).await;
    assert_eq!(
        (overview["plan"].as_str(), overview["status"].as_str()),
        (Some("pro"), Some("Active (test mode)"))
    );
    assert_eq!(
        overview["limits"],
        json!({ "posts_per_month": 200, "sites": 5, "members": 5, "social_accounts": 10, "stores": 3 })
    );
    assert_eq!(
        app.call_json("workspaces/dashboard", &[]).await.1["usage"]["posts_limit"],
        200
    );
    assert_eq!(choose(&app, "gold").await.0, 422);
    assert_eq!(app.call_json("billing/portal", &[]).await.0, 409);

    // A manager reads the page but cannot change the plan; a member is refused.
    let workspace = tenant_id(&app).await;
    app.set_cookie(None);
    app.sign_up("manager@example.com", PASSWORD, "Own").await;
    let user = app.me().await["user"]["id"].as_str().unwrap().to_string();
    for (role, read, change) in [("manager", 200, 403), ("member", 403, 403)] {
        sqlx::query("delete from membership where tenant_id = $1 and user_id = $2")
            .bind(&workspace)
            .bind(&user)
            .execute(&app.db.pool)
            .await
            .unwrap();
        sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, $2, $3, 0)")
            .bind(&workspace)
            .bind(&user)
            .bind(role)
            .execute(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(
            app.call_json("workspaces/switch", &[("workspace_id", &workspace)])
                .await
                .0,
            200
        );
        let (status, overview) = app.call_json("billing", &[("page", "1")]).await;
        assert_eq!(status, read, "{role}: {overview}");
        if status == 200 {
            assert_eq!(overview["can_manage"], false);
        }
        assert_eq!(choose(&app, "agency").await.0, change, "{role}");
    }
    let (plan,): (String,) = sqlx::query_as("select plan from tenant where id = $1")
        .bind(&workspace)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(plan, "pro");
}

async fn checkout_then_the_webhook_raises_the_limits(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let session = start_checkout(&app, &stripe, "owner@example.com", "pro").await;
    let workspace = tenant_id(&app).await;
    assert_eq!(
        posts_limit(&billing(&app).await),
        10,
        "nothing changes before Stripe confirms"
    );

    let created = stripe.requests();
    let checkout = created
        .iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .expect("a checkout call");
    assert_eq!(checkout.field("mode"), Some("subscription"));
    assert_eq!(checkout.field("client_reference_id"), Some(workspace.as_str()));
    assert_eq!(checkout.field("metadata[workspace_id]"), Some(workspace.as_str()));
    assert_eq!(checkout.field("line_items[0][price]"), Some("price_pro"));
    assert!(checkout.field("customer").is_some_and(|c| c.starts_with("cus_")));
    assert_eq!(
        checkout.field("subscription_data[trial_period_days]"),
        None,
        "TRIAL_DAYS=0"
    );

    let sub = stripe.complete_checkout(&session);
    let completed = event(
        "evt_done_1",
        "checkout.session.completed",
        stripe.checkout_session(&session),
        unix_now(),
    );
    assert_eq!(deliver(&app, &completed).await, 200);
    let overview = billing(&app).await;
    assert_eq!(
        (overview["plan"].as_str(), overview["status"].as_str()),
        (Some("pro"), Some("Active"))
    );
    assert_eq!(
        overview["limits"],
        json!({ "posts_per_month": 200, "sites": 5, "members": 5, "social_accounts": 10, "stores": 3 })
    );
    assert!(
        overview["period_note"].as_str().unwrap().starts_with("Renews on"),
        "{overview}"
    );
    assert_eq!(overview["has_customer"], true);
    let (status, result) = app.call_json("billing/checkout", &[("session_id", &session)]).await;
    assert_eq!((status, result["complete"].as_bool()), (200, Some(true)), "{result}");

    // A change between paid plans updates the subscription; the customer is reused.
    let (status, change) = choose(&app, "agency").await;
    assert_eq!(status, 200, "{change}");
    assert!(change["Applied"].is_object(), "{change}");
    assert_eq!(billing(&app).await["plan"], "agency");
    assert_eq!(
        stripe.subscription(&sub)["items"]["data"][0]["price"]["id"],
        "price_agency"
    );
    let (status, portal) = app.call_json("billing/portal", &[]).await;
    assert_eq!(status, 200, "{portal}");
    assert!(portal.as_str().unwrap().starts_with(&stripe.url));
    assert_eq!(stripe.customers(), 1);
    let posts: Vec<_> = stripe.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert!(posts.len() >= 5, "customer, contact, checkout, price change, portal");
    assert!(
        posts.iter().all(|r| r.idempotency_key.is_some()),
        "every POST carries an idempotency key"
    );
    // Keys name the intent, so a repeated click replays the first call: the
    // customer's body names only the workspace, whoever clicks.
    let created = &posts[0];
    assert_eq!(created.path, "/v1/customers");
    assert_eq!(created.idempotency_key, Some(format!("customer-{workspace}")));
    assert_eq!(created.field("email"), None);
    assert_eq!(
        posts[1].field("email"),
        Some("owner@example.com"),
        "then the contact is set"
    );
    assert_eq!(posts[2].idempotency_key, Some(format!("checkout-{workspace}-0-pro")));
    assert!(posts[3]
        .idempotency_key
        .as_deref()
        .unwrap_or_default()
        .starts_with(&format!("price-{sub}-price_agency-")));
}

async fn the_return_page_fulfils_first_and_shows_nothing_to_another_workspace(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let session = start_checkout(&app, &stripe, "owner@example.com", "agency").await;
    let (_, pending) = app.call_json("billing/checkout", &[("session_id", &session)]).await;
    assert_eq!(pending["complete"], false, "{pending}");
    stripe.complete_checkout(&session);

    // Another workspace learns nothing from the session id, and gains nothing.
    let owner_cookie = app.cookie();
    app.set_cookie(None);
    app.sign_up("other@example.com", PASSWORD, "Other").await;
    assert_eq!(
        app.call_json("billing/checkout", &[("session_id", &session)]).await.0,
        404
    );
    assert_eq!(billing(&app).await["plan"], "free");
    app.set_cookie(owner_cookie);

    let (status, result) = app.call_json("billing/checkout", &[("session_id", &session)]).await;
    assert_eq!((status, result["complete"].as_bool()), (200, Some(true)), "{result}");
    assert_eq!(billing(&app).await["plan"], "agency");
    // The webhook arriving afterwards changes nothing further.
    let completed = event(
        "evt_late_1",
        "checkout.session.completed",
        stripe.checkout_session(&session),
        unix_now(),
    );
    assert_eq!(deliver(&app, &completed).await, 200);
    assert_eq!(billing(&app).await["plan"], "agency");
    assert_eq!(
        app.count("select count(*) from checkout_session where completed_at is not null")
            .await,
        1
    );
    let html = app.page_html(&format!("/app/billing?checkout={session}")).await;
    assert!(
        html.contains("The Agency plan is active"),
        "the return page shows the result"
    );
}

async fn a_trial_starts_once_and_cancelling_ends_at_the_period_end(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "14").await;
    let (_, sub) = subscribed(&app, &stripe, "owner@example.com", "pro").await;
    let checkout = stripe
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .unwrap();
    assert_eq!(checkout.field("subscription_data[trial_period_days]"), Some("14"));
    let overview = billing(&app).await;
    assert_eq!(
        (overview["plan"].as_str(), overview["status"].as_str()),
        (Some("pro"), Some("Free trial"))
    );
    assert!(
        overview["period_note"].as_str().unwrap().starts_with("Trial ends on"),
        "{overview}"
    );

    let ending = event(
        "evt_trial",
        "customer.subscription.trial_will_end",
        stripe.subscription(&sub),
        unix_now(),
    );
    assert_eq!(deliver(&app, &ending).await, 200);
    assert!(app
        .wait_for_mail("Your Autopilot trial ends soon", "owner@example.com")
        .await
        .contains("trial ends on"));

    let (status, change) = choose(&app, "free").await;
    assert_eq!(status, 200, "{change}");
    assert_eq!(stripe.subscription(&sub)["cancel_at_period_end"], true);
    let overview = billing(&app).await;
    assert_eq!(overview["plan"], "pro", "the paid period runs out first");
    assert_eq!(overview["cancel_at_period_end"], true);
    let (_, trial_used): (i64, i64) = sqlx::query_as("select 0, trial_used from billing")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(trial_used, 1, "a workspace gets one trial");
}

async fn a_platform_admin_overrides_one_limit(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("owner@example.com", PASSWORD, "Acme").await;
    let workspace = tenant_id(&app).await;
    let set = [
        ("workspace_id", workspace.as_str()),
        ("posts", "500"),
        ("social_accounts", "3"),
        ("stores", "4"),
    ];
    assert_eq!(
        app.call_json("admin/workspace-limits", &set).await.0,
        404,
        "to anyone else, admin functions do not exist"
    );
    sqlx::query("update app_user set is_platform_admin = 1")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, body) = app.call_json("admin/workspace-limits", &set).await;
    assert_eq!(status, 200, "{body}");
    let overview = billing(&app).await;
    assert_eq!(
        overview["limits"],
        json!({ "posts_per_month": 500, "sites": 1, "members": 1, "social_accounts": 3, "stores": 4 })
    );
    assert_eq!(
        app.call_json("admin/workspace-limits", &[("workspace_id", "nope")])
            .await
            .0,
        404
    );
    assert_eq!(
        app.call_json("admin/workspace-limits", &[("workspace_id", &workspace)])
            .await
            .0,
        200
    );
    assert_eq!(
        posts_limit(&billing(&app).await),
        10,
        "an empty limit follows the plan again"
    );
}
