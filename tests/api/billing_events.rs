//! Stripe's webhook deliveries on both engines: duplicates and concurrent
//! deliveries, refused signatures, and dunning. Order is in `billing_order`.

use crate::automation::add_site;
use crate::billing::{
    billing, deliver, deliver_raw, join_as, post_webhook, posts_limit, start_checkout, stripe_app, subscribed,
    tenant_id, unix_now, WEBHOOK_SECRET,
};
use crate::fake_stripe::{event, sign, FakeStripe};
use crate::fake_wordpress::{FakeWordPress, APP_PASSWORD};
use crate::helpers::Engine;
use crate::on_both_engines;
use serde_json::json;

on_both_engines!(
    one_event_delivered_ten_times_at_once_has_one_effect,
    unsigned_stale_or_altered_deliveries_are_refused_and_change_nothing,
    a_failed_payment_warns_then_downgrades_after_grace_and_paying_restores,
    an_outage_at_stripe_is_retried_and_a_lasting_refusal_is_not,
);

async fn one_event_delivered_ten_times_at_once_has_one_effect(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let (_, sub) = subscribed(&app, &stripe, "owner@example.com", "pro").await;
    stripe.set_subscription(&sub, "past_due", "price_pro", false);
    let failed = event(
        "evt_failed_1",
        "invoice.payment_failed",
        stripe.create_invoice(&sub, "open", 2_900),
        unix_now(),
    );
    let body = failed.to_string();
    let signature = sign(&body, WEBHOOK_SECRET, unix_now());
    let deliveries: Vec<_> = (0..10)
        .map(|_| {
            tokio::spawn(post_webhook(
                app.url("/webhooks/stripe"),
                body.clone(),
                signature.clone(),
            ))
        })
        .collect();
    for delivery in deliveries {
        assert_eq!(delivery.await.unwrap(), 200);
    }
    assert_eq!(
        app.count("select count(*) from stripe_event where id = 'evt_failed_1'")
            .await,
        1
    );
    assert_eq!(app.mails("Action needed").await, 1, "the owners are mailed once");
    assert_eq!(app.count("select count(*) from invoice").await, 1);
    let invoices = billing(&app).await["invoices"]["lines"].clone();
    assert_eq!(invoices[0]["amount_cents"], 2_900);
    assert!(invoices[0]["hosted_url"].as_str().unwrap().starts_with("http"));
}

async fn unsigned_stale_or_altered_deliveries_are_refused_and_change_nothing(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let session = start_checkout(&app, &stripe, "owner@example.com", "pro").await;
    stripe.complete_checkout(&session);
    let body = event(
        "evt_forged",
        "checkout.session.completed",
        stripe.checkout_session(&session),
        unix_now(),
    )
    .to_string();
    let now = unix_now();
    let altered = body.replace("evt_forged", "evt_forgeX");
    let refused = [
        (body.clone(), sign(&body, "whsec_wrong", now)),
        (body.clone(), sign(&body, WEBHOOK_SECRET, now - 301)),
        (altered, sign(&body, WEBHOOK_SECRET, now)),
        (body.clone(), "t=123".to_string()),
        (body.clone(), String::new()),
    ];
    for (payload, signature) in refused {
        assert_eq!(deliver_raw(&app, &payload, &signature).await, 400, "{signature}");
    }
    assert_eq!(app.count("select count(*) from stripe_event").await, 0);
    assert_eq!(billing(&app).await["plan"], "free");

    // Verified but about no customer of ours, or of a kind not handled: 2xx, no change.
    let mut stranger = stripe.checkout_session(&session);
    stranger["customer"] = json!("cus_nobody");
    stranger["client_reference_id"] = json!("not-a-workspace");
    assert_eq!(
        deliver(
            &app,
            &event("evt_stranger", "checkout.session.completed", stranger, now)
        )
        .await,
        200
    );
    assert_eq!(
        deliver(
            &app,
            &event("evt_other", "charge.refunded", json!({ "id": "ch_1" }), now)
        )
        .await,
        200
    );
    assert_eq!(billing(&app).await["plan"], "free");
}

async fn a_failed_payment_warns_then_downgrades_after_grace_and_paying_restores(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let wp = FakeWordPress::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let (_, sub) = subscribed(&app, &stripe, "owner@example.com", "pro").await;
    add_site(&app, &wp, APP_PASSWORD).await;
    let second = add_site(&app, &wp, APP_PASSWORD).await;
    assert!(app.me().await["billing_alert"].is_null());

    stripe.set_subscription(&sub, "past_due", "price_pro", false);
    let invoice = stripe.create_invoice(&sub, "open", 2_900);
    assert_eq!(
        deliver(
            &app,
            &event("evt_f1", "invoice.payment_failed", invoice.clone(), unix_now())
        )
        .await,
        200
    );
    let alert = app.me().await["billing_alert"].clone();
    assert_eq!(alert["downgraded"], false, "{alert}");
    assert!(alert["message"].as_str().unwrap().contains("payment failed"), "{alert}");
    assert_eq!(alert["payment_url"], invoice["hosted_invoice_url"]);
    assert_eq!(
        posts_limit(&billing(&app).await),
        200,
        "the grace period keeps the plan"
    );
    assert!(app.page_html("/app").await.contains("data-testid=\"payment-banner\""));
    // A member is told a payment is due, without the pay link or billing.
    let owner_cookie = app.cookie();
    join_as(&app, &tenant_id(&app).await, "member@example.com", "member").await;
    let seen = app.me().await["billing_alert"].clone();
    assert_eq!(
        (seen["payment_url"].is_null(), &seen["can_view_billing"]),
        (true, &json!(false)),
        "{seen}"
    );
    let page = app.page_html("/app").await;
    assert!(page.contains("data-testid=\"payment-banner\""));
    assert!(
        !page.contains(invoice["hosted_invoice_url"].as_str().unwrap()),
        "no pay link for a member"
    );
    app.set_cookie(owner_cookie);
    assert!(app
        .wait_for_mail("Action needed", "owner@example.com")
        .await
        .contains("7 days"));

    // The grace period passes.
    sqlx::query("update billing set payment_failed_at = payment_failed_at - 8 * 86400")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let overview = billing(&app).await;
    assert_eq!(
        (overview["plan"].as_str(), overview["effective_plan"].as_str()),
        (Some("pro"), Some("free"))
    );
    assert_eq!(posts_limit(&overview), 10);
    assert_eq!(app.me().await["billing_alert"]["downgraded"], true);
    let (status, refused) = app.call_json("content/run_now", &[("site_id", &second)]).await;
    assert_eq!(status, 409, "automation beyond the free limits pauses: {refused}");
    assert!(refused.to_string().contains("paused"), "{refused}");

    stripe.set_subscription(&sub, "active", "price_pro", false);
    let mut paid = invoice;
    paid["status"] = json!("paid");
    paid["amount_paid"] = json!(2_900);
    assert_eq!(
        deliver(&app, &event("evt_p1", "invoice.paid", paid.clone(), unix_now())).await,
        200
    );
    let overview = billing(&app).await;
    assert_eq!(
        (overview["effective_plan"].as_str(), posts_limit(&overview)),
        (Some("pro"), 200)
    );
    assert!(app.me().await["billing_alert"].is_null());
    assert_eq!(overview["invoices"]["lines"][0]["status"], "paid");
    // A failure of that invoice reported late changes nothing: it stays paid.
    let mut late = paid;
    late["status"] = json!("open");
    assert_eq!(
        deliver(&app, &event("evt_f_late", "invoice.payment_failed", late, unix_now())).await,
        200
    );
    assert!(app.me().await["billing_alert"].is_null(), "a paid invoice stays paid");
}

async fn an_outage_at_stripe_is_retried_and_a_lasting_refusal_is_not(engine: Engine) {
    let stripe = FakeStripe::start().await;
    let app = stripe_app(engine, &stripe, "0").await;
    let (_, sub) = subscribed(&app, &stripe, "owner@example.com", "pro").await;
    stripe.set_subscription(&sub, "active", "price_agency", false);
    let updated = event(
        "evt_outage",
        "customer.subscription.updated",
        stripe.subscription(&sub),
        unix_now(),
    );

    // Stripe answers 500 to the re-read: 503, nothing stored, so Stripe delivers again.
    stripe.fail_next_requests(1, 500);
    assert_eq!(deliver(&app, &updated).await, 503);
    assert_eq!(
        app.count("select count(*) from stripe_event where id = 'evt_outage'")
            .await,
        0
    );
    assert_eq!(billing(&app).await["plan"], "pro");
    assert_eq!(deliver(&app, &updated).await, 200, "the next delivery is applied");
    assert_eq!(billing(&app).await["plan"], "agency");

    // A subscription Stripe does not have (404) will not appear on a retry:
    // the event is recorded with a 200 and changes nothing.
    let mut gone = stripe.subscription(&sub);
    gone["id"] = json!("sub_missing");
    let refused = event("evt_gone", "customer.subscription.updated", gone, unix_now());
    assert_eq!(deliver(&app, &refused).await, 200);
    assert_eq!(
        app.count("select count(*) from stripe_event where id = 'evt_gone'")
            .await,
        1
    );
    assert_eq!(billing(&app).await["plan"], "agency");
}
