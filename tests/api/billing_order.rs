//! Which subscription state wins, on both engines: events out of order, a
//! slow read of an older state overtaken by a newer one, and subscriptions
//! that must not replace the workspace's live one, or Checkouts that would
//! make a second one.

use crate::billing::{
    billing, choose, deliver, post_webhook, posts_limit, start_checkout, stripe_app, subscribed, tenant_id, unix_now,
    WEBHOOK_SECRET,
};
use crate::fake_stripe::{event, sign, FakeStripe};
use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;
use std::time::Duration;

on_both_engines!(
    subscription_events_out_of_order_end_in_stripes_latest_state,
    a_slow_read_of_an_older_state_does_not_overwrite_a_newer_one,
    a_write_waiting_for_the_row_sees_the_newer_state_stored_meanwhile,
    a_second_live_subscription_or_one_of_another_workspace_is_not_applied,
    a_new_checkout_expires_the_open_one_and_a_paid_one_is_fulfilled_instead,
);

async fn subscription_events_out_of_order_end_in_stripes_latest_state(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let (_, sub) = subscribed(&app, &stripe, "owner@example.com", "pro").await;
    let older_snapshot = stripe.subscription(&sub);
    stripe.set_subscription(&sub, "active", "price_agency", false);
    let newer = event(
        "evt_sub_2",
        "customer.subscription.updated",
        stripe.subscription(&sub),
        unix_now(),
    );
    let older = event(
        "evt_sub_1",
        "customer.subscription.updated",
        older_snapshot,
        unix_now() - 60,
    );
    assert_eq!(deliver(&app, &newer).await, 200);
    assert_eq!(deliver(&app, &older).await, 200);
    let overview = billing(&app).await;
    assert_eq!(
        overview["plan"], "agency",
        "the late event did not bring back the older plan"
    );
    assert_eq!(posts_limit(&overview), 2_000);

    // Deleted in Stripe: the re-read says canceled and the workspace is on Free.
    stripe.set_subscription(&sub, "canceled", "price_agency", false);
    let deleted = event(
        "evt_sub_3",
        "customer.subscription.deleted",
        stripe.subscription(&sub),
        unix_now(),
    );
    assert_eq!(deliver(&app, &deleted).await, 200);
    assert_eq!(billing(&app).await["plan"], "free");
}

async fn a_slow_read_of_an_older_state_does_not_overwrite_a_newer_one(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let (_, sub) = subscribed(&app, &stripe, "owner@example.com", "pro").await;

    // The first delivery's read of the subscription is answered with the
    // Pro state, but only after a second delivery has read and stored the
    // Agency state Stripe moved to meanwhile.
    let held = stripe.hold_next_subscription_read();
    let first = event(
        "evt_slow",
        "customer.subscription.updated",
        stripe.subscription(&sub),
        unix_now(),
    );
    let body = first.to_string();
    let signature = sign(&body, WEBHOOK_SECRET, unix_now());
    let slow = tokio::spawn(post_webhook(app.url("/webhooks/stripe"), body, signature));
    held.arrived.await.expect("the first delivery reads the subscription");
    tokio::time::sleep(Duration::from_millis(5)).await;
    stripe.set_subscription(&sub, "active", "price_agency", false);
    let second = event(
        "evt_fast",
        "customer.subscription.updated",
        stripe.subscription(&sub),
        unix_now(),
    );
    assert_eq!(deliver(&app, &second).await, 200);
    assert_eq!(billing(&app).await["plan"], "agency");

    held.release.send(()).expect("the held read is waiting");
    assert_eq!(slow.await.unwrap(), 200);
    let overview = billing(&app).await;
    assert_eq!(overview["plan"], "agency", "the slower, older read was not written");
    assert_eq!(posts_limit(&overview), 2_000);
    assert_eq!(stored_subscription(&app).await, (sub, "price_agency".to_string()));
}

async fn a_write_waiting_for_the_row_sees_the_newer_state_stored_meanwhile(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let (_, sub) = subscribed(&app, &stripe, "owner@example.com", "pro").await;

    // Another writer holds the workspace's billing row while a delivery
    // carrying the Pro state comes in and waits for it. On PostgreSQL a
    // share lock lets the delivery read the row but not write it, which is
    // where a read before the lock would go wrong.
    let mut other = app.db.pool.begin().await.unwrap();
    let hold = match engine {
        Engine::Postgres => "select 1 from billing for share",
        Engine::Sqlite => "update billing set updated_at = updated_at",
    };
    sqlx::query(hold).execute(&mut *other).await.unwrap();
    let body = event(
        "evt_waiting",
        "customer.subscription.updated",
        stripe.subscription(&sub),
        unix_now(),
    )
    .to_string();
    let signature = sign(&body, WEBHOOK_SECRET, unix_now());
    let waiting = tokio::spawn(post_webhook(app.url("/webhooks/stripe"), body, signature));
    wait_for_a_blocked_writer(&app, engine).await;

    // Meanwhile the other writer stores a read of Stripe that started later.
    let later_ms = (unix_now() + 60) * 1000;
    sqlx::query("update billing set price_id = 'price_agency', synced_at_ms = $1")
        .bind(later_ms)
        .execute(&mut *other)
        .await
        .unwrap();
    sqlx::query("update tenant set plan = 'agency'")
        .execute(&mut *other)
        .await
        .unwrap();
    other.commit().await.unwrap();

    assert_eq!(waiting.await.unwrap(), 200);
    assert_eq!(
        billing(&app).await["plan"],
        "agency",
        "the waiting, older write was not applied"
    );
    assert_eq!(stored_subscription(&app).await.1, "price_agency");
}

/// Waits until the app's write is queued behind the test's transaction:
/// PostgreSQL shows it waiting for a lock; SQLite has no such view, and its
/// writer waits for the whole database anyway.
async fn wait_for_a_blocked_writer(app: &TestApp, engine: Engine) {
    if engine == Engine::Sqlite {
        tokio::time::sleep(Duration::from_millis(500)).await;
        return;
    }
    for _ in 0..200 {
        let waiting = app
            .count(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
            )
            .await;
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the delivery never waited for the billing row");
}

async fn a_second_live_subscription_or_one_of_another_workspace_is_not_applied(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let (_, first) = subscribed(&app, &stripe, "owner@example.com", "pro").await;
    let workspace = tenant_id(&app).await;
    let customer = stripe.subscription(&first)["customer"].as_str().unwrap().to_string();

    // A second subscription made in Stripe's dashboard: the first one stays.
    let second = stripe.create_subscription(&customer, "price_agency", Some(&workspace));
    let created = event(
        "evt_second",
        "customer.subscription.created",
        stripe.subscription(&second),
        unix_now(),
    );
    assert_eq!(deliver(&app, &created).await, 200);
    assert_eq!(billing(&app).await["plan"], "pro");
    assert_eq!(stored_subscription(&app).await.0, first);

    // Once the first has ended, the second is the workspace's subscription.
    stripe.set_subscription(&first, "canceled", "price_pro", false);
    let ended = event(
        "evt_first_end",
        "customer.subscription.deleted",
        stripe.subscription(&first),
        unix_now(),
    );
    assert_eq!(deliver(&app, &ended).await, 200);
    assert_eq!(billing(&app).await["plan"], "free");
    let again = event(
        "evt_second_2",
        "customer.subscription.updated",
        stripe.subscription(&second),
        unix_now(),
    );
    assert_eq!(deliver(&app, &again).await, 200);
    assert_eq!(billing(&app).await["plan"], "agency");

    // One on this customer whose metadata names another workspace changes nothing.
    let foreign = stripe.create_subscription(&customer, "price_pro", Some("another-workspace"));
    stripe.set_subscription(&second, "canceled", "price_agency", false);
    let ended = event(
        "evt_second_end",
        "customer.subscription.deleted",
        stripe.subscription(&second),
        unix_now(),
    );
    assert_eq!(deliver(&app, &ended).await, 200);
    let stray = event(
        "evt_foreign",
        "customer.subscription.created",
        stripe.subscription(&foreign),
        unix_now(),
    );
    assert_eq!(deliver(&app, &stray).await, 200);
    assert_eq!(billing(&app).await["plan"], "free");
    assert_eq!(stored_subscription(&app).await.0, second);
}

async fn a_new_checkout_expires_the_open_one_and_a_paid_one_is_fulfilled_instead(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let first = start_checkout(&app, &stripe, "owner@example.com", "pro").await;
    let second = new_checkout(&app, "agency").await;
    assert_ne!(first, second);
    assert_eq!(
        stripe.checkout_session(&first)["status"],
        "expired",
        "only the newest can be paid"
    );
    assert_eq!(stripe.checkout_session(&second)["status"], "open");
    let expire = stripe
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/expire"))
        .expect("an expire call");
    assert_eq!(expire.idempotency_key, Some(format!("expire-{first}")));
    assert_eq!(stripe.customers(), 1, "the customer is reused");

    // The second is paid in another tab, its webhook not here yet: a third
    // Checkout finds it paid, applies it and closes itself instead.
    let sub = stripe.complete_checkout(&second);
    let (status, change) = choose(&app, "pro").await;
    assert_eq!(status, 200, "{change}");
    let message = change["Applied"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Agency"), "{change}");
    assert_eq!(billing(&app).await["plan"], "agency");
    assert_eq!(stored_subscription(&app).await.0, sub);
    let sessions = stripe
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/checkout/sessions")
        .count();
    assert_eq!(sessions, 3);
    assert_eq!(
        app.count("select count(*) from checkout_session where completed_at is not null")
            .await,
        1
    );
    let (status, result) = app.call_json("billing/checkout", &[("session_id", &second)]).await;
    assert_eq!((status, result["complete"].as_bool()), (200, Some(true)), "{result}");
}

/// Chooses a paid plan and returns the new Checkout session's id.
async fn new_checkout(app: &TestApp, plan: &str) -> String {
    let (status, change) = choose(app, plan).await;
    assert_eq!(status, 200, "{change}");
    let url = change["Checkout"]["url"].as_str().expect("a checkout url");
    url.rsplit('/').next().unwrap().to_string()
}

/// The subscription and price the workspace's billing row holds.
async fn stored_subscription(app: &TestApp) -> (String, String) {
    sqlx::query_as("select subscription_id, price_id from billing")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}
