//! Limits that keep one person, address or workspace from using the service
//! against others: sign-in throttled per account and address, sign-ups per
//! address, Free workspaces per person, actions per member and workspace,
//! the site limit under concurrent adds, and billing's test mode kept to
//! servers that ask for it.

use crate::automation::{add_site, app_with_site, save_settings, settings};
use crate::fake_wordpress::{FakeWordPress, APP_PASSWORD};
use crate::helpers::{spawn, spawn_with, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use std::sync::Arc;

on_both_engines!(
    guessing_from_elsewhere_does_not_lock_the_owner_out,
    sign_ups_are_limited_per_address,
    a_person_owns_a_bounded_number_of_free_workspaces,
    connection_tests_and_runs_are_limited_with_the_wait_in_words,
    ten_parallel_adds_at_the_site_limit_make_one_site,
    billing_test_mode_is_off_on_a_public_address_unless_asked_for,
);

async fn log_in_from(app: &TestApp, address: &str, email: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/auth/log_in"))
        .header("origin", app.base.as_str())
        .header("x-forwarded-for", address)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn guessing_from_elsewhere_does_not_lock_the_owner_out(engine: Engine) {
    let app = spawn_with(engine, &[("TRUST_X_FORWARDED_FOR", "true")]).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (attacker, owner) = ("203.0.113.7", "198.51.100.9");
    for _ in 0..5 {
        assert_eq!(log_in_from(&app, attacker, "ada@example.com", "guess").await, 422);
    }
    assert_eq!(
        log_in_from(&app, attacker, "ada@example.com", PASSWORD).await,
        429,
        "the guesser's address is stopped for this account"
    );
    assert_eq!(
        log_in_from(&app, owner, "ada@example.com", PASSWORD).await,
        200,
        "the owner, elsewhere, signs in"
    );
}

async fn sign_ups_are_limited_per_address(engine: Engine) {
    let app = spawn(engine).await;
    for i in 0..10 {
        app.set_cookie(None);
        let (status, body) = app.sign_up(&format!("user{i}@example.com"), PASSWORD, "W").await;
        assert_eq!(status, 200, "{body}");
    }
    app.set_cookie(None);
    let (status, body) = app.sign_up("one-more@example.com", PASSWORD, "W").await;
    assert_eq!(status, 429, "{body}");
    let message = body["TooManyRequests"].as_str().unwrap();
    assert!(
        message.contains("Try again in") && message.ends_with(" s."),
        "{message}"
    );
    assert_eq!(app.count("select count(*) from app_user").await, 10);
}

async fn a_person_owns_a_bounded_number_of_free_workspaces(engine: Engine) {
    let app = spawn_with(engine, &[("FREE_WORKSPACES_PER_USER", "2")]).await;
    app.sign_up("ada@example.com", PASSWORD, "First").await;
    let (status, body) = app.call_json("workspaces/create", &[("name", "Second")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.call_json("workspaces/create", &[("name", "Third")]).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["Conflict"].as_str().unwrap().contains("Free plan"), "{body}");
    // A paid workspace does not count against the bound.
    sqlx::query("update tenant set plan = 'pro' where name = 'Second'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, body) = app.call_json("workspaces/create", &[("name", "Third")]).await;
    assert_eq!(status, 200, "{body}");
}

async fn connection_tests_and_runs_are_limited_with_the_wait_in_words(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[("RUN_WORKER", "false")]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    for _ in 0..10 {
        let (status, body) = app.call_json("sites/test", &[("site_id", &site)]).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = app.call_json("sites/test", &[("site_id", &site)]).await;
    assert_eq!(status, 429, "{body}");
    let message = body["TooManyRequests"].as_str().unwrap();
    assert!(message.starts_with("Connections were tested many times"), "{message}");
    assert!(message.contains("Try again in"), "{message}");

    sqlx::query("update tenant set posts_limit_override = 100")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(save_settings(&app, &site, settings("review", "publish")).await.0, 200);
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(app.call_json("content/run_now", &[("site_id", &site)]).await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert_eq!(app.count("select count(*) from job where kind = 'post'").await, 10);
}

async fn ten_parallel_adds_at_the_site_limit_make_one_site(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = Arc::new(spawn(engine).await);
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let adds: Vec<_> = (0..10)
        .map(|i| {
            let (app, url) = (app.clone(), wp.url.clone());
            tokio::spawn(async move {
                let name = format!("Site {i}");
                let form = [
                    ("name", name.as_str()),
                    ("url", url.as_str()),
                    ("username", "editor"),
                    ("password", APP_PASSWORD),
                ];
                app.call_json("sites/add", &form).await.0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for add in adds {
        statuses.push(add.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    assert_eq!(
        app.count("select count(*) from site").await,
        1,
        "the Free plan's one site"
    );
    let _ = add_site;
}

async fn billing_test_mode_is_off_on_a_public_address_unless_asked_for(engine: Engine) {
    let public = spawn_with(engine, &[("APP_URL", "https://autopilot.example.com")]).await;
    public.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (status, body) = public.call_json("billing/plan", &[("plan", "agency")]).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["Conflict"].as_str().unwrap().contains("billing is not set up"),
        "{body}"
    );
    let (_, overview) = public.call_json("billing", &[("page", "1")]).await;
    assert_eq!(overview["unavailable"], true);
    assert_eq!(overview["plan"], "free", "nothing changed");

    let asked = spawn_with(
        engine,
        &[
            ("APP_URL", "https://autopilot.example.com"),
            ("BILLING_TEST_MODE", "true"),
        ],
    )
    .await;
    asked.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let (status, body) = asked.call_json("billing/plan", &[("plan", "agency")]).await;
    assert_eq!(status, 200, "{body}");
    let (_, overview) = asked.call_json("billing", &[("page", "1")]).await;
    assert_eq!(
        (overview["test_mode"].clone(), overview["plan"].clone()),
        (true.into(), "agency".into())
    );
}
